// Prisma 7 configuration used only by Prisma Studio (`npm run studio`, scripts/studio.mjs).
// The project's own Prisma 6.19.3 setup is the root prisma.config.ts; this folder has its own
// package.json with the Prisma 7 CLI, because Prisma 6's Studio cannot work offline (it
// downloads a query engine) while Prisma 7's talks to PostgreSQL directly. Studio reads the
// tables from the database itself, so no schema is named here. scripts/studio.mjs passes the
// URL (PostgreSQL, or the embedded database exposed over the wire protocol) as STUDIO_DATABASE_URL.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  datasource: { url: process.env.STUDIO_DATABASE_URL },
});
