import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// Relative asset URLs, so the same build loads from `deskpilot serve` and from Electron's app:// scheme.
// One bundle without lazy chunks: the server appends its token to exactly the URLs in index.html.
export default defineConfig(({ command }) => ({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  // A build is always the production React, even when the builder inherits NODE_ENV=test from a test run.
  define: command === 'build' ? { 'process.env.NODE_ENV': JSON.stringify('production') } : {},
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: false,
    rollupOptions: { output: { codeSplitting: false } },
  },
}));
