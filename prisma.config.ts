// Prisma CLI configuration. The CLI is used for `prisma generate` and for authoring
// migrations with `prisma migrate diff --from-schema-datamodel ... --script` (no database
// needed). Migrations are applied by the app's own migrator (`npm run db:migrate`, and at
// start-up on the embedded database), which records them in `_prisma_migrations` exactly as
// `prisma migrate deploy` does, so `prisma migrate status` against DATABASE_URL agrees.
// engine "js" + an adapter keeps every command offline (see README, "Prisma offline").
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

let adapter: PrismaPg | undefined;

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  engine: 'js',
  experimental: { adapter: true },
  async adapter() {
    // Commands such as `migrate diff --from-schema-datamodel` ask for an adapter but never
    // connect; without DATABASE_URL the host below names what is missing if one does.
    const url = new URL(process.env.DATABASE_URL ?? 'postgresql://DATABASE_URL-is-not-set/postgres');
    // Discrete fields: a connectionString would override `database` for shadow databases.
    adapter ??= new PrismaPg({
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password) || undefined,
      database: url.pathname.slice(1),
    });
    return adapter;
  },
});
