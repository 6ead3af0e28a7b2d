import { useEffect, useState, type ReactElement } from 'react';
import { HealthPanel } from '../system/HealthPanel.tsx';
import { applyTheme, initialTheme, type Theme } from './theme.ts';

export function App(): ReactElement {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => applyTheme(theme), [theme]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <h1 className="brand">EGen</h1>
        <button type="button" className="button" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-pressed={theme === 'light'}>
          {theme === 'dark' ? 'Light theme' : 'Dark theme'}
        </button>
      </header>
      <main id="main" className="content">
        <HealthPanel />
      </main>
    </>
  );
}
