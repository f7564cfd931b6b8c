// The transcript's format name and the hex forms of its values (docs/transcript.md). Imports
// nothing: the zod shapes, the verifier (and so the browser) and the CLI read them from here.

export const TRANSCRIPT_FORMAT = 'p2p-transcript/v1';

/** A SHA-256 value of the chain (a digest, a hash): 64 lower-case hex digits. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** An Ed25519 signature: 128 lower-case hex digits. */
export const SIGNATURE_HEX = /^[0-9a-f]{128}$/;
