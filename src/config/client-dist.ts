import { fileURLToPath } from 'node:url';

/** Where scripts/build-client.mjs puts the demo page (the same path from src/ and dist/). */
export const CLIENT_DIST_DIR = fileURLToPath(new URL('../../client/dist/', import.meta.url));

/**
 * The build's copy of sockjs-client (the version the client bundle contains: SockJS refuses an
 * iframe of another version), which the gateway serves to its iframe page.
 */
export const SOCKJS_CLIENT_FILE = 'sockjs.min.js';
