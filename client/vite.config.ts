import react from '@vitejs/plugin-react';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The client is served by the EGen server: from client/dist in production, through Vite's
// middleware (same port, hot reload) with ./start.sh --dev-mode.
export default defineConfig({
  root: dirname(fileURLToPath(import.meta.url)),
  plugins: [react()],
  // GraphiQL (the playground) is one large chunk, loaded only when that page opens.
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1000,
    rolldownOptions: {
      // GraphiQL's react-compiler-runtime opens with "use no memo", which means nothing once bundled;
      // the first ./start.sh should not print that as a warning.
      onLog(level, log, handler) {
        if (log.code === 'MODULE_LEVEL_DIRECTIVE' && `${log.id ?? log.message}`.includes('node_modules/react-compiler-runtime/')) return;
        handler(level, log);
      },
    },
  },
  clearScreen: false,
});
