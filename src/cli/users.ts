// `nbia users add|list|remove|passwd|unlock`, `nbia grant`, `nbia revoke` and
// `nbia tokens revoke`: accounts, their collection grants and their tokens. Every change
// is in the audit trail and takes effect on the next request, on every node. The account
// module (argon2, the store) loads when a command runs, not at registration.
import os from 'node:os';
import type { Command } from 'commander';
import type { Writable } from 'node:stream';
import type { Actor } from '../auth/accounts.js';
import { GUEST_NAME } from '../archive/access.js';
import { UserError } from '../errors.js';
import { action, addStoreOptions, withStore, type StoreFlags } from './common.js';

const accounts = () => import('../auth/accounts.js');

interface PasswordFlags extends StoreFlags {
  passwordStdin?: boolean;
}

/** The terminal side of a hidden prompt (process.stdin, or a stand-in in tests). */
export interface PromptInput {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** Asks for a line without echoing it (raw mode; backspace edits, Ctrl-C cancels). */
export function promptHidden(question: string, input: PromptInput, output: Writable): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new UserError('cancelled; nothing was changed', 130));
        if (ch === '\u0004') return typed === '' ? finish(new UserError('no password given; nothing was changed')) : finish();
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch >= ' ') typed += ch;
      }
    };
    output.write(question);
    input.setRawMode?.(true);
    input.on('data', onData);
    input.resume();
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The new password: from standard input with --password-stdin (one trailing newline
 * dropped), or asked twice on the terminal without echo. Without either, a clear error.
 */
export async function readNewPassword(
  flags: PasswordFlags,
  input: PromptInput = process.stdin,
  output: Writable = process.stderr,
  stdinText: () => Promise<string> = readStdin,
): Promise<string> {
  if (flags.passwordStdin) {
    const password = (await stdinText()).replace(/\r?\n$/, '');
    if (password === '') throw new UserError('--password-stdin: standard input held no password');
    return password;
  }
  if (!input.isTTY) {
    throw new UserError(
      'there is no terminal to ask for the password on: pipe it in with --password-stdin ' +
        '(for example: printf %s "$PASSWORD" | nbia users add NAME --password-stdin)',
    );
  }
  const first = await promptHidden('New password: ', input, output);
  const second = await promptHidden('Repeat the new password: ', input, output);
  if (first !== second) throw new UserError('the two passwords differ; nothing was changed');
  return first;
}

function cliActor(): Actor {
  let who = 'unknown';
  try {
    who = os.userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): keep "unknown".
  }
  return { address: null, description: `by ${who} on the command line` };
}

const say = (line: string) => process.stdout.write(`${line}\n`);

export function registerUsers(program: Command): void {
  const users = program.command('users').description(`manage accounts (${GUEST_NAME} is built in and sees public collections only)`);

  addStoreOptions(
    users
      .command('add <name>')
      .description('create an account; asks for the password twice on a terminal')
      .option('--password-stdin', 'read the password from standard input'),
  ).action(
    action(async (name: string, flags: PasswordFlags) => {
      await withStore(flags, async ({ store }) => {
        const password = await readNewPassword(flags);
        const { addUser } = await accounts();
        await addUser(store.db, name, password, cliActor());
        say(`user "${name}" added; grant collections with: nbia grant ${name} COLLECTION`);
      });
    }),
  );

  addStoreOptions(users.command('list').description('list accounts with their granted collections and live sessions')).action(
    action(async (flags: StoreFlags) => {
      await withStore(flags, async ({ store }) => {
        const [{ listUsers }, { formatTable }] = await Promise.all([accounts(), import('./audit.js')]);
        const rows = await listUsers(store.db);
        if (rows.length === 0) return say(`no accounts yet (${GUEST_NAME} appears after its first login); add one with: nbia users add NAME`);
        process.stdout.write(
          formatTable(
            ['USER', 'CREATED (UTC)', 'SESSIONS', 'COLLECTIONS'],
            rows.map((u) => [
              u.name,
              u.createdAt,
              String(u.liveSessions),
              u.name === GUEST_NAME ? '(public collections only)' : u.collections.join(', ') || '-',
            ]),
          ),
        );
      });
    }),
  );

  addStoreOptions(users.command('remove <name>').description('delete an account with its grants; its tokens stop working at once')).action(
    action(async (name: string, flags: StoreFlags) => {
      await withStore(flags, async ({ store }) => {
        const { removeUser } = await accounts();
        await removeUser(store.db, name, cliActor());
        say(`user "${name}" removed`);
      });
    }),
  );

  addStoreOptions(
    users
      .command('passwd <name>')
      .description("set a new password (the account's tokens are revoked); asks twice on a terminal")
      .option('--password-stdin', 'read the password from standard input'),
  ).action(
    action(async (name: string, flags: PasswordFlags) => {
      await withStore(flags, async ({ store }) => {
        const password = await readNewPassword(flags);
        const { setUserPassword } = await accounts();
        const revoked = await setUserPassword(store.db, name, password, cliActor());
        say(`password of "${name}" changed; ${revoked} live token(s) revoked`);
      });
    }),
  );

  addStoreOptions(users.command('unlock <name>').description('lift a login lock after failed logins (it would also end by itself)')).action(
    action(async (name: string, flags: StoreFlags) => {
      await withStore(flags, async ({ store }) => {
        const { unlockUser } = await accounts();
        const cleared = await unlockUser(store.db, name, cliActor());
        say(cleared ? `failed logins of "${name}" forgotten` : `"${name}" had no failed logins to forget`);
      });
    }),
  );

  addStoreOptions(program.command('grant <user> <collection>').description('let a user see a restricted collection (from the next request on)')).action(
    action(async (user: string, collection: string, flags: StoreFlags) => {
      await withStore(flags, async ({ store }) => {
        const { grantCollection } = await accounts();
        const outcome = await grantCollection(store.db, user, collection, cliActor());
        say(outcome.changed ? `"${user}" may now see ${outcome.collection}` : `"${user}" could already see ${outcome.collection}`);
        if (outcome.isPublic) say(`note: ${outcome.collection} is public, so everyone sees it; the grant matters once it is made restricted`);
      });
    }),
  );

  addStoreOptions(program.command('revoke <user> <collection>').description("take back a user's grant on a collection (from the next request on)")).action(
    action(async (user: string, collection: string, flags: StoreFlags) => {
      await withStore(flags, async ({ store }) => {
        const { revokeCollection } = await accounts();
        const outcome = await revokeCollection(store.db, user, collection, cliActor());
        say(outcome.changed ? `"${user}" may no longer see ${outcome.collection}` : `"${user}" had no grant on ${outcome.collection}`);
        if (outcome.isPublic) say(`note: ${outcome.collection} is public, so "${user}" still sees it`);
      });
    }),
  );

  const tokens = program.command('tokens').description('bearer tokens');
  addStoreOptions(tokens.command('revoke <user>').description('revoke every token of a user at once (on every node)')).action(
    action(async (user: string, flags: StoreFlags) => {
      await withStore(flags, async ({ store }) => {
        const { revokeAllTokens } = await accounts();
        const revoked = await revokeAllTokens(store.db, user, cliActor());
        say(`${revoked} live token(s) of "${user}" revoked`);
      });
    }),
  );
}
