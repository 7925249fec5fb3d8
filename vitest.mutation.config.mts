import { defineConfig } from 'vitest/config';

// The unit tests alone, with no database: what `npm run test:mutation` (Stryker) runs against each mutant.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
  },
});
