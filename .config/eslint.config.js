// Lint rules for the whole workspace (run from the root: `pnpm lint`).
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "packages/contracts/src/gen/**", "**/*.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/ban-ts-comment": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "Read configuration in config.ts only." }],
    },
  },
  {
    // The dashboard runs in browsers; its build configuration reads the environment like a config.ts.
    files: ["packages/dashboard/src/**"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ["packages/dashboard/vite.config.ts"],
    rules: { "no-restricted-properties": "off" },
  },
  {
    files: ["**/config.ts", "**/*.test.ts", "scripts/**", "deploy/**", "packages/testing/**", ".config/**"],
    rules: { "no-restricted-properties": "off" },
  },
);
