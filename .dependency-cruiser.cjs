// Import rules for the whole repository, checked by scripts/dependency-rules.test.ts
// (`npx depcruise server native client scripts schema` shows the same report). README.md,
// "Architecture", says what they keep.

/** Server domains: each keeps its entity, service, resolver and tests in server/src/<domain>/. */
const DOMAINS = ['admin', 'audit', 'auth', 'datasets', 'evaluation', 'inference', 'jobs', 'models', 'monitoring', 'system', 'training'];
const DOMAIN = `^server/src/(${DOMAINS.join('|')})/`;
/** What a domain shows the others: its service, GraphQL/plain types, inputs and errors. */
const PUBLIC_MODULE = '[.](service|types|inputs|errors)[.]ts$';
const TEST = '([.]test[.]tsx?$|/testing/|^server/test/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles: move the shared type into the module both need.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-public-modules-only',
      comment: 'A domain reaches another only through its *.service.ts, *.types.ts, *.inputs.ts or *.errors.ts, never its entities or internals.',
      severity: 'error',
      from: { path: DOMAIN, pathNot: ['^server/src/admin/', TEST] },
      to: { path: DOMAIN, pathNot: ['^server/src/$1/', PUBLIC_MODULE] },
    },
    {
      name: 'admin-public-modules-only',
      comment: 'As domain-public-modules-only; admin/ is also the back office of the users auth/ owns, so it may use their table and password rules.',
      severity: 'error',
      from: { path: '^server/src/admin/', pathNot: TEST },
      to: { path: DOMAIN, pathNot: ['^server/src/admin/', PUBLIC_MODULE, '^server/src/auth/(user[.]entity|passwords)[.]ts$'] },
    },
    {
      name: 'domain-not-composition',
      comment: 'Domains do not import the composition root, the HTTP server or the CLI.',
      severity: 'error',
      from: { path: DOMAIN, pathNot: TEST },
      to: { path: '^server/src/(main[.]ts|server[.]ts|cli/)', pathNot: '^server/src/cli/(command|flags|api-client|progress|follow-job)[.]ts$' },
    },
    {
      name: 'domain-cli-helpers-from-cli-files',
      comment: "A domain's commands (<domain>.cli.ts) use the CLI's helpers; nothing else in a domain does.",
      severity: 'error',
      from: { path: DOMAIN, pathNot: ['[.]cli[.]ts$', TEST] },
      to: { path: '^server/src/cli/' },
    },
    {
      name: 'infrastructure-not-composition',
      comment: 'Only the composition root (main.ts, server.ts) and the CLI put the parts together; the layers they compose never import them.',
      severity: 'error',
      from: { path: '^server/src/(graphql|http|security|db|errors|logging|config|pubsub)/', pathNot: TEST },
      to: { path: '^server/src/(main[.]ts|server[.]ts|cli/)' },
    },
    {
      name: 'errors-stand-alone',
      comment: 'The error model is domain-neutral: it imports nothing else from the server.',
      severity: 'error',
      from: { path: '^server/src/errors/', pathNot: TEST },
      to: { path: '^server/src/', pathNot: '^server/src/errors/' },
    },
    {
      name: 'base-layers-stand-alone',
      comment: 'logging, config, pubsub and paths sit below everything else.',
      severity: 'error',
      from: { path: '^server/src/(logging/|config/|pubsub/|paths[.]ts)', pathNot: TEST },
      to: { path: '^server/src/', pathNot: '^server/src/(logging/|config/|pubsub/|paths[.]ts|errors/)' },
    },
    {
      name: 'security-below-graphql-and-http',
      comment: 'security/ (roles, principals, rules) is used by graphql/ and http/, so it imports neither.',
      severity: 'error',
      from: { path: '^server/src/security/', pathNot: TEST },
      to: { path: '^server/src/(graphql|http|cli)/' },
    },
    {
      name: 'auth-below-admin',
      comment: 'admin/ manages the users auth/ owns; auth/ never imports admin/.',
      severity: 'error',
      from: { path: '^server/src/auth/', pathNot: TEST },
      to: { path: '^server/src/admin/' },
    },
    {
      name: 'db-entities-only-from-registry',
      comment: 'In db/, only the entity list and migrations know the domains, and only their entities.',
      severity: 'error',
      from: { path: '^server/src/db/', pathNot: ['^server/src/db/(entities[.]ts|migrations/)', TEST] },
      to: { path: DOMAIN },
    },
    {
      name: 'db-registry-entities-only',
      comment: 'The entity list and migrations take the tables from the domains, nothing else.',
      severity: 'error',
      from: { path: '^server/src/db/(entities[.]ts|migrations/)' },
      to: { path: DOMAIN, pathNot: '[.]entity[.]ts$' },
    },
    {
      name: 'native-knows-nothing-of-the-world',
      comment: 'native/ is small and dumb about the world: nothing from server/ or client/.',
      severity: 'error',
      from: { path: '^native/' },
      to: { path: '^(server|client)/' },
    },
    {
      name: 'option-declarations-stand-alone',
      comment: 'schema/options declares options for the server, the client and the native door alike, so it imports none of them.',
      severity: 'error',
      from: { path: '^schema/' },
      to: { path: '^(server|client|native)/' },
    },
    {
      name: 'client-not-server',
      comment: 'The client talks to the server over GraphQL only; it imports nothing from server/.',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: '^server/' },
    },
    {
      name: 'server-not-client',
      severity: 'error',
      from: { path: '^(server|native)/', pathNot: TEST },
      to: { path: '^client/src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|build)/' },
    // type-only imports count: a cycle through a type is still a cycle
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
  },
};
