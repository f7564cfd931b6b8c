// Database errors as each driver and Prisma path report them, for the 503 classification and its
// HTTP answer. BUSY and UNREACHABLE must be answered 503 with Retry-After; NEITHER is a 500.

/** Prisma's shape for its interactive-transaction errors (TransactionManagerError, P2028). */
const p2028 = (detail: string) => ({ name: 'PrismaClientKnownRequestError', code: 'P2028', message: `Transaction API error: ${detail}` });

export const BUSY: [string, unknown][] = [
  ['Prisma P2028: no transaction slot within maxWait', p2028('Unable to start a transaction in the given time.')],
  [
    'Prisma P2028: the transaction outlived its timeout',
    p2028(
      'A query cannot be executed on an expired transaction. The timeout for this transaction was 5000 ms, however 5012 ms passed since the start of the transaction.',
    ),
  ],
  ['Prisma P2024: pool timeout', { code: 'P2024', message: 'Timed out fetching a new connection from the connection pool.' }],
  ['a pg pool checkout timeout', new Error('timeout exceeded when trying to connect')],
  ['the same, wrapped by the adapter', { name: 'DriverAdapterError', cause: new Error('timeout exceeded when trying to connect') }],
  ['too many connections (SQLSTATE 53300)', { cause: { kind: 'postgres', code: '53300' } }],
  ['too many connections (adapter kind)', { meta: { driverAdapterError: { cause: { kind: 'TooManyConnections' } } } }],
];

export const UNREACHABLE: [string, unknown][] = [
  [
    'a terminated backend from a raw query (P2010)',
    { code: 'P2010', meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'postgres', code: '57P01' } } } },
  ],
  ['a DriverAdapterError for a terminated backend', { name: 'DriverAdapterError', cause: { kind: 'postgres', code: '57P01' } }],
  ['a connection exception SQLSTATE class 08', { cause: { code: '08006' } }],
  ['a pg client that lost its connection', new Error('Client has encountered a connection error and is not queryable')],
  ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
  ['Prisma P1001', { code: 'P1001', message: "Can't reach database server" }],
  ['Prisma P1017', { code: 'P1017', message: 'Server has closed the connection.' }],
];

export const NEITHER: [string, unknown][] = [
  ['a unique violation', { code: 'P2002' }],
  ['a syntax error', { code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'postgres', code: '42601' } } } }],
  ['P2028 for a transaction used after its commit (a bug)', p2028('Transaction already closed: A query cannot be executed on a committed transaction.')],
  ['a plain bug', new TypeError('x is undefined')],
  ['a non-object', 'boom'],
];
