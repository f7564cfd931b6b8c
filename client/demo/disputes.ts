// The mediator's lobby: the disputed trades an ADMIN may join, from `GET /p2p/disputes`.
import type { Dispute, RestApi } from '../src/index.js';
import { byTestId, makeButton, statusPill } from './dom.js';

export class DisputesPanel {
  readonly #panel = byTestId('disputes-panel');
  readonly #list = byTestId<HTMLUListElement>('dispute-list');
  readonly #empty = byTestId('disputes-empty');
  #api: RestApi | undefined;

  /**
   * @param open shows a trade's room, as picking one of the user's own trades does.
   * @param showError where a failed refresh is told.
   */
  constructor(
    private readonly open: (tradeId: string) => void,
    showError: (err: unknown) => void,
  ) {
    // New disputes are not pushed to the page (it follows only the trades it shows): asked for.
    byTestId('disputes-refresh').addEventListener('click', () => this.refresh().catch(showError));
  }

  /** An admin logged in: the panel shows, and lists. */
  show(api: RestApi): Promise<void> {
    this.#api = api;
    this.#panel.hidden = false;
    return this.refresh();
  }

  hide(): void {
    this.#api = undefined;
    this.#panel.hidden = true;
    this.#list.replaceChildren();
  }

  /** Loads the list again: a trade was disputed or settled. Not shown (hidden) for a non-admin. */
  async refresh(): Promise<void> {
    const api = this.#api;
    if (!api) return;
    const disputes = await api.listDisputes();
    if (api !== this.#api) return;
    this.#empty.hidden = disputes.length > 0;
    this.#list.replaceChildren(...disputes.map((trade) => this.#item(trade)));
  }

  #item(trade: Dispute): HTMLLIElement {
    const button = makeButton('link', 'dispute', `${trade.id.slice(0, 8)} · ${trade.buyerId} vs ${trade.sellerId}`);
    button.dataset.tradeId = trade.id;
    button.title = `${trade.amount} ${trade.asset} for ${trade.fiat}, disputed ${new Date(trade.disputedAt).toLocaleString()}`;
    button.addEventListener('click', () => this.open(trade.id));
    const item = document.createElement('li');
    item.append(button, statusPill(trade.status));
    return item;
  }
}
