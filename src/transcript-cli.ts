// Checks a transcript file: npm run verify-transcript -- FILE [--public-key PEM-FILE] [--hash SEQ:HASH ...]
// Exit 0 "valid"; 1 and the first bad entry for a broken chain; 2 for a file that is not a
// transcript (or bad usage). Without --public-key it verifies with the keys `npm start` would
// use (TRANSCRIPT_SIGNING_KEY and TRANSCRIPT_RETIRED_PUBLIC_KEYS, else the demo key in DATA_DIR),
// read by the same configuration code, and never creates one. The check itself is the browser's
// (src/contract/transcript-verify.ts).
import { readFile } from 'node:fs/promises';
import { ConfigError, loadConfig } from './config/config.js';
import { demoTranscriptKeyFile, existingTranscriptKeys } from './config/transcript-keys.js';
import { importPublicKeys, NotATranscriptError, parseTranscript, verifyTranscript, type HeldHash } from './contract/transcript-verify.js';
import { SHA256_HEX } from './contract/transcript.js';

const USAGE = 'usage: npm run verify-transcript -- FILE [--public-key PEM-FILE] [--hash CHAIN_SEQ:HASH ...]';

function fail(message: string, code: number): never {
  console.error(message);
  process.exit(code);
}

const args = process.argv.slice(2);
const OPTIONS = ['--public-key', '--hash'];
const files: string[] = [];
const held: HeldHash[] = [];
let publicKeyFile: string | undefined;
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg === '--help' || arg === '-h') fail(USAGE, 2);
  if (arg.startsWith('-') && !OPTIONS.includes(arg)) fail(`unknown option ${arg}\n${USAGE}`, 2);
  if (!arg.startsWith('-')) {
    files.push(arg);
    continue;
  }
  const value = args[++i];
  if (value === undefined) fail(`${arg} needs a value\n${USAGE}`, 2);
  if (arg === '--public-key') publicKeyFile = value;
  else {
    const match = /^(\d+):(.*)$/.exec(value);
    if (!match || !SHA256_HEX.test(match[2]!)) fail(`--hash takes CHAIN_SEQ:HASH (64 lower-case hex digits), not ${value}`, 2);
    held.push({ chainSeq: Number(match[1]), hash: match[2]! });
  }
}
if (files.length !== 1) fail(USAGE, 2);

const text = await readFile(files[0]!, 'utf8').catch((err: Error) => fail(`cannot read ${files[0]}: ${err.message}`, 2));
let transcript: ReturnType<typeof parseTranscript>;
try {
  transcript = parseTranscript(text);
} catch (err) {
  if (err instanceof NotATranscriptError) fail(`${files[0]} is not a transcript: ${err.message}`, 2);
  throw err;
}

const keys = await importPublicKeys(await publicKeyPems());
const check = await verifyTranscript(transcript, keys, held);
if (!check.valid) fail(`invalid: entry ${check.firstBreak.chainSeq}: ${check.firstBreak.reason}`, 1);
console.log(`valid: ${check.entries} entries of trade ${transcript.trade.id}, last hash ${check.head.hash}`);
// A chain cut at its end is a valid shorter chain (docs/transcript.md): only a held hash past the cut shows it.
if (held.length === 0) console.log('note: entries cut off at the end of the chain show only against a hash a party held (--hash CHAIN_SEQ:HASH)');

async function publicKeyPems(): Promise<string[]> {
  if (publicKeyFile !== undefined) {
    const pem = await readFile(publicKeyFile, 'utf8').catch((err: Error) => fail(`cannot read ${publicKeyFile}: ${err.message}`, 2));
    if (!pem.includes('-----BEGIN PUBLIC KEY-----')) fail(`${publicKeyFile} holds no PEM public key (-----BEGIN PUBLIC KEY-----)`, 2);
    return [pem];
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    // Production-only requirements (DATABASE_URL, ...) say nothing about checking a file.
    config = loadConfig('all', { ...process.env, NODE_ENV: undefined });
  } catch (err) {
    if (err instanceof ConfigError) fail(`Configuration error: ${err.problems.join('; ')}`, 2);
    throw err;
  }
  const { publicKeys } = await existingTranscriptKeys(config);
  if (publicKeys.length === 0) {
    fail(
      `no transcript key in ${demoTranscriptKeyFile(config.dataDir)}: run \`npm start\` once with this DATA_DIR, set TRANSCRIPT_SIGNING_KEY, or pass --public-key`,
      2,
    );
  }
  return publicKeys.map((k) => k.publicKeyPem);
}
