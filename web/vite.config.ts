import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

/**
 * The dashboard's build: `vite build --config web/vite.config.ts` writes dist/web, beside the
 * compiled server, which serves it at `/`. `vite --config web/vite.config.ts` runs it in
 * development against a `genmedia serve` on port 8080.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/blobs': 'http://127.0.0.1:8080' },
  },
})
