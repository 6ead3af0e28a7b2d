// GraphiQL, bundled from npm (no CDN), speaking for the signed-in session.
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { useEffect, useRef, type ReactElement } from 'react';
import type { Theme } from '../app/theme.ts';
import { watchGraphiQLAccessibility } from './accessible-graphiql.ts';
import { sessionFetcher } from './fetcher.ts';
import './playground.css';

const DEFAULT_QUERY = `# Queries run as you, with your session.
query Me {
  me {
    id
    email
    role
  }
}
`;

export default function PlaygroundPage({ theme }: { theme: Theme }): ReactElement {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => (container.current ? watchGraphiQLAccessibility(container.current) : undefined), []);
  return (
    <>
      <div className="page-header">
        <h2 id="page-title">GraphQL playground</h2>
      </div>
      <div className="playground" data-testid="graphiql" ref={container}>
        <GraphiQL fetcher={sessionFetcher as never} defaultQuery={DEFAULT_QUERY} forcedTheme={theme} />
      </div>
    </>
  );
}
