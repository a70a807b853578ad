#!/usr/bin/env node
// The `nbia` command: one file per subcommand, each adding itself to the program. Adding
// a command only defines it: each action imports what it runs (the server, ingest, the
// account store) when it is called, so `nbia --help` starts in a fraction of a second.
import { Command } from 'commander';
import { registerServe } from './serve.js';
import { registerIngest } from './ingest.js';
import { registerCollections } from './collections.js';
import { registerCarts } from './carts.js';
import { registerDemo } from './demo.js';
import { registerUsers } from './users.js';
import { registerAudit } from './audit-command.js';
import { registerDb } from './db.js';
import { registerDownload } from './download.js';
import { registerBlobs } from './blobs.js';

const program = new Command('nbia')
  .description('An imaging archive that speaks the NBIA REST API: ingest DICOM folders, serve them to TCIA clients.')
  .showHelpAfterError('(add --help for usage)');

registerServe(program);
registerIngest(program);
registerCollections(program);
registerCarts(program);
registerDemo(program);
registerUsers(program);
registerAudit(program);
registerDb(program);
registerDownload(program);
registerBlobs(program);

await program.parseAsync(process.argv);
