import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes SQL migrations into drizzle/ (offline); `npm run db:migrate`
// applies them through the Neon HTTP driver to DATABASE_URL.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.ts",
  out: "./drizzle",
});
