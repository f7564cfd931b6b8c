/** `node dist/main.js --help`. */
export const HELP = `Usage: node dist/main.js [role|command]      (npm start = role all)

Roles (each serves /healthz, /readyz and /metrics on its port):
  all            api + gateway + notification worker in one process (default; demo mode)
  api            REST API and the demo page                              (port 8080)
  gateway        STOMP over WebSocket and SockJS at /ws                  (port 8081)
  notification   notification worker                                     (port 8082)
Commands:
  migrate        apply database migrations to DATABASE_URL, then exit
  --help, -h     this text
Tokens: npm run token -- <userId> [--admin] [--expires 1h]   (node dist/token-cli.js)
Transcripts: npm run verify-transcript -- FILE [--public-key PEM-FILE]   (docs/transcript.md)

Key variables (docs/ lists all of them):
  PORT, HOST       where to listen (HOST default 0.0.0.0)
  DATABASE_URL     postgresql://...; unset: embedded PGlite in DATA_DIR (role all only)
  AMQP_URL         amqp://...; unset: in-process bus (role all only)
  JWT_SECRET       HS256 secret, at least 32 characters; unset: a demo secret kept in DATA_DIR
  TRANSCRIPT_SIGNING_KEY  Ed25519 private key (PEM) signing transcripts; required on api; unset: a demo key in DATA_DIR
  DATA_DIR         demo data folder (default ./data)
  NODE_ENV         production: role all also requires DATABASE_URL, AMQP_URL, JWT_SECRET and TRANSCRIPT_SIGNING_KEY
  LOG_LEVEL        fatal|error|warn|info|debug|trace|silent (default info)
  CORS_ORIGINS     comma-separated allowed origins (demo default *)
A single role (api, gateway, notification) always runs in production mode.
`;
