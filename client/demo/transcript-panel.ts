// A trade's tamper-evident transcript in its room: fetched, verified in this browser with the
// CLI's own verifier (WebCrypto SHA-256 and Ed25519), and offered as the JSON file that
// `npm run verify-transcript` checks. A browser whose WebCrypto lacks Ed25519 says it did not
// verify, rather than claiming either way.
import { Ed25519UnavailableError, importPublicKeys, verifyTranscript, type RealtimeClient, type Transcript } from '../src/index.js';
import { byTestId } from './dom.js';

/** The trade on screen, and the client that follows it. */
interface Room {
  client: RealtimeClient;
  tradeId: string;
}

/** What the panel says; `data-state` carries it for tests and styling. */
type Verdict = 'checking' | 'verified' | 'broken' | 'unsupported' | 'failed';

export class TranscriptPanel {
  readonly #state = byTestId('transcript-state');
  readonly #verify = byTestId<HTMLButtonElement>('transcript-verify');
  readonly #download = byTestId<HTMLButtonElement>('transcript-download');
  #room: Room | undefined;

  constructor() {
    this.#verify.addEventListener('click', () => void this.verify());
    this.#download.addEventListener('click', () => void this.download());
  }

  /** A room is on screen (undefined: none): what was said about another trade's transcript goes. */
  show(room: Room | undefined): void {
    if (room?.tradeId === this.#room?.tradeId && room?.client === this.#room?.client) return;
    this.#room = room;
    this.#state.hidden = true;
    this.#state.textContent = '';
    delete this.#state.dataset.state;
    delete this.#state.dataset.chainSeq;
  }

  async verify(): Promise<void> {
    const room = this.#room;
    if (!room) return;
    this.#say(room, 'checking', 'Checking the transcript…');
    try {
      const { api } = room.client;
      const [transcript, { keys }] = await Promise.all([api.transcript(room.tradeId), api.transcriptKeys()]);
      // The last hash pushed to this page: a transcript rewritten since no longer reaches it.
      const held = room.client.lastTranscriptHash(room.tradeId);
      const check = await verifyTranscript(transcript, await importPublicKeys(keys.map((k) => k.publicKeyPem)), held ? [held] : []);
      if (check.valid) {
        const matched = held ? `, and entry ${held.chainSeq} matches the hash this page was sent live` : '';
        this.#say(
          room,
          'verified',
          `Verified in this browser: ${check.entries} entries, each hash chained and signed by the server, last hash ${check.head.hash.slice(0, 16)}…${matched}.`,
        );
      } else {
        this.#say(room, 'broken', `Entry ${check.firstBreak.chainSeq} does not verify: ${check.firstBreak.reason}.`, check.firstBreak.chainSeq);
      }
    } catch (err) {
      if (err instanceof Ed25519UnavailableError) {
        this.#say(
          room,
          'unsupported',
          'This browser cannot verify Ed25519 signatures, so nothing was verified here: download the transcript and run npm run verify-transcript on it.',
        );
      } else {
        this.#say(room, 'failed', `The transcript could not be checked: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** Saves the transcript as the server serves it now. */
  async download(): Promise<void> {
    const room = this.#room;
    if (!room) return;
    let transcript: Transcript;
    try {
      transcript = await room.client.api.transcript(room.tradeId);
    } catch (err) {
      this.#say(room, 'failed', `The transcript could not be downloaded: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const url = URL.createObjectURL(new Blob([JSON.stringify(transcript, null, 2)], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `transcript-${room.tradeId}.json`;
    link.click();
    // After the click has handed the file to the browser's download.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }

  #say(room: Room, verdict: Verdict, text: string, chainSeq?: number): void {
    if (room !== this.#room) return;
    this.#state.hidden = false;
    this.#state.dataset.state = verdict;
    this.#state.textContent = text;
    if (chainSeq === undefined) delete this.#state.dataset.chainSeq;
    else this.#state.dataset.chainSeq = String(chainSeq);
  }
}
