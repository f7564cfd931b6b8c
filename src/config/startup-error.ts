/**
 * A start-up failure the user can fix (a taken port, a data folder another process holds, a
 * missing secret): start-up prints its message as one line, without a stack, and exits 1.
 */
export class StartupError extends Error {}
