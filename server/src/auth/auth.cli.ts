// `egen login` and `egen logout`: a session for later commands, stored 0600 in the user's
// config directory.
import { anonymousRequest, ApiError, apiRequest, loadCredentials, removeCredentials, resolveUrl, saveCredentials } from '../cli/api-client.ts';
import { type CliCommand, CliUsageError } from '../cli/command.ts';
import { parseFlags } from '../cli/flags.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Reads a password from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (char === '\u0003') {
          finish();
          reject(new Error('cancelled'));
          return;
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

export const loginCommand: CliCommand = {
  path: ['login'],
  summary: 'Sign in to an EGen server; later commands use the stored session',
  usage: [
    'egen login [--url URL] [--email EMAIL] [--password-stdin]',
    '',
    'URL defaults to EGEN_URL, else http://localhost:3000. EMAIL defaults to EGEN_EMAIL.',
    'The password is asked for on a terminal; or comes from EGEN_PASSWORD, or with --password-stdin from standard input.',
    'The session is saved to ~/.config/egen/credentials.json (readable only by you).',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, ['--url', '--email'], ['--password-stdin']);
    if (flags.positionals.length) throw new CliUsageError(`unexpected argument ${flags.positionals[0]}`);
    const url = (flags.values.get('--url') || io.env.EGEN_URL || 'http://localhost:3000').replace(/\/+$/, '');
    const email = flags.values.get('--email') || io.env.EGEN_EMAIL;
    if (!email) throw new CliUsageError('give --email (or set EGEN_EMAIL)');
    const password = flags.booleans.has('--password-stdin') ? await readStdin() : io.env.EGEN_PASSWORD || (process.stdin.isTTY ? await promptHidden(`Password for ${email}: `) : '');
    if (!password) throw new CliUsageError('give the password at the prompt, with --password-stdin, or in EGEN_PASSWORD');
    try {
      const data = await anonymousRequest<{ login: { accessToken: string; refreshToken: string; accessTokenExpiresAt: string; user: { email: string; role: string } } }>(
        url,
        'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken accessTokenExpiresAt user { email role } } }',
        { email, password },
      );
      const path = saveCredentials(io.env, { url, email: data.login.user.email, accessToken: data.login.accessToken, refreshToken: data.login.refreshToken, accessTokenExpiresAt: data.login.accessTokenExpiresAt });
      io.out(`Signed in to ${url} as ${data.login.user.email} (${data.login.user.role}); session saved to ${path}`);
      return 0;
    } catch (error) {
      if (error instanceof ApiError) {
        io.err(`egen login: ${error.message}`);
        return 1;
      }
      throw error;
    }
  },
};

export const logoutCommand: CliCommand = {
  path: ['logout'],
  summary: 'End the stored session and forget it',
  usage: 'egen logout [--url URL]',
  async run(args, io) {
    const flags = parseFlags(args, ['--url']);
    const stored = loadCredentials(io.env);
    if (!stored) {
      io.out('Not signed in.');
      return 0;
    }
    try {
      await apiRequest(io.env, flags.values.get('--url') ?? stored.url, 'mutation { logout }');
    } catch {
      // The session may have ended already; forgetting it locally is what matters.
    }
    removeCredentials(io.env);
    io.out(`Signed out of ${resolveUrl(flags.values.get('--url'), io.env)}.`);
    return 0;
  },
};
