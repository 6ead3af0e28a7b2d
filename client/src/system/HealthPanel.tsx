import type { ReactElement } from 'react';
import { useServerHealth, type LinkState } from './use-server-health.ts';

const LINK_TEXT: Record<LinkState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  lost: 'No live updates — check the server (./start.sh status)',
};

function formatBytes(bytes: number): string {
  return bytes ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : '—';
}

/** Server, database and native addon health, so a broken client–server link is visible. */
export function HealthPanel(): ReactElement {
  const { health, error, link, lastTick } = useServerHealth();
  const status = error ? 'unreachable' : (health?.status ?? 'loading');
  return (
    <section className="panel" aria-labelledby="health-title">
      <header className="panel-header">
        <h2 id="health-title">Server health</h2>
        {/* Status is given in words as well as color. */}
        <span className={`badge badge-${status === 'ok' ? 'ok' : status === 'loading' ? 'muted' : 'bad'}`} data-testid="health-status">
          {status === 'ok' ? '● Healthy' : status === 'loading' ? '○ Loading' : status === 'unreachable' ? '✕ Unreachable' : '▲ Degraded'}
        </span>
      </header>
      {error && (
        <p role="alert" className="error-text">
          Cannot reach the EGen server: {error}. Is it running? Try <code>./start.sh status</code>.
        </p>
      )}
      {health && (
        <dl className="facts">
          <dt>EGen</dt>
          <dd data-testid="server-version">{health.version}</dd>
          <dt>Node.js</dt>
          <dd>{health.nodeVersion}</dd>
          <dt>Database</dt>
          <dd>
            {health.databaseEngine} — {health.databaseReachable ? 'reachable' : 'unreachable'}
          </dd>
          <dt>libtorch</dt>
          <dd data-testid="libtorch-version">{health.native.loaded ? health.native.libtorchVersion : `not loaded: ${health.native.error ?? 'unknown'}`}</dd>
          <dt>Devices</dt>
          <dd>
            <ul className="plain-list">
              {health.native.devices.map((d) => (
                <li key={`${d.type}:${d.index}`}>
                  {d.type === 'cuda' ? `cuda:${d.index}` : 'cpu'} — {d.name} {d.type === 'cuda' ? `(${formatBytes(d.totalMemoryBytes)})` : ''}
                </li>
              ))}
            </ul>
          </dd>
          <dt>Instance</dt>
          <dd>
            <code>{health.instanceId}</code>
          </dd>
          <dt>Uptime</dt>
          <dd>{health.uptimeSeconds} s</dd>
        </dl>
      )}
      <p className="live-line" aria-live="polite" data-testid="live-link">
        Live link: {LINK_TEXT[link]}
        {lastTick && link === 'live' ? ` (last tick ${new Date(lastTick).toLocaleTimeString()})` : ''}
      </p>
    </section>
  );
}
