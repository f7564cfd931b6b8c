// A trade room seen by its mediator: an ADMIN who is not a party. While the trade is DISPUTED
// they may post and settle it; once it is settled the room is read-only for them (the server
// refuses their posts too), so the page offers neither.
import { roleOf } from '../../src/contract/trade-transitions.js';
import type { DisputeResolution, Trade, TradeStatus } from '../src/index.js';
import { byTestId } from './dom.js';

const CONFIRM: Record<DisputeResolution, string> = {
  RELEASED: 'Release the assets to the buyer? This settles the dispute and cannot be undone.',
  CANCELLED: 'Cancel the trade, the seller keeping the assets? This settles the dispute and cannot be undone.',
};

export function isMediator(trade: Trade, userId: string, admin: boolean): boolean {
  return admin && roleOf(trade, userId) === null;
}

export function mediatorSummary(trade: Trade): string {
  return `${trade.amount} ${trade.asset} for ${trade.fiat} · you mediate between buyer ${trade.buyerId} and seller ${trade.sellerId}`;
}

export class MediatorControls {
  readonly #form = byTestId<HTMLFormElement>('resolution-form');
  readonly #reason = byTestId<HTMLInputElement>('resolution-reason');
  readonly #readOnly = byTestId('room-read-only');
  readonly #chatForm = byTestId<HTMLFormElement>('chat-form');

  /** @param resolve settles the trade on screen; a failure is shown and leaves the form as it was, to try again. */
  constructor(resolve: (status: DisputeResolution, reason: string | undefined) => Promise<void>, showError: (err: unknown) => void) {
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      const status = (event.submitter as HTMLButtonElement | null)?.value as DisputeResolution | undefined;
      if (!status || !confirm(CONFIRM[status])) return;
      const reason = this.#reason.value.trim() || undefined;
      const buttons = [...this.#form.querySelectorAll('button')];
      for (const button of buttons) button.disabled = true;
      resolve(status, reason)
        .then(() => this.#form.reset(), showError)
        .finally(() => {
          for (const button of buttons) button.disabled = false;
        });
    });
  }

  /** The room on screen changed (or its status did); `mediator` false: a party's room, untouched. */
  render(status: TradeStatus | undefined, mediator: boolean): void {
    const settled = mediator && status !== 'DISPUTED';
    this.#form.hidden = !mediator || status !== 'DISPUTED';
    this.#readOnly.hidden = !settled;
    this.#chatForm.hidden = settled;
  }
}
