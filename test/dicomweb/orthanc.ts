// Orthanc (Debian `orthanc` + `orthanc-dicomweb`) as the reference DICOMweb server: started
// by the test with its own temporary configuration and storage, HTTP on port 18042 with
// remote access refused (Orthanc 1.10 has no option to bind one address; it answers
// loopback clients only) and its DICOM server off (DicomPort 14242 is configured, never
// opened). When it cannot start, `start` throws with Orthanc's own log, so the test
// fails and says why instead of passing quietly.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { tempDir } from '../helpers/stores.js';

export const ORTHANC_HTTP_PORT = 18042;
export const ORTHANC_DICOM_PORT = 14242;
const ORTHANC_BINARY = '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

export interface Orthanc {
  /** http://127.0.0.1:18042 */
  url: string;
  /** The DICOMweb root: http://127.0.0.1:18042/dicom-web */
  dicomweb: string;
  /** Uploads a file; resolves with Orthanc's status and answer (200 when stored). */
  upload(file: string): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

export async function startOrthanc(): Promise<Orthanc> {
  for (const file of [ORTHANC_BINARY, DICOMWEB_PLUGIN]) {
    if (!fs.existsSync(file)) {
      throw new Error(`ORTHANC IS NOT INSTALLED: ${file} is missing; install the Debian packages orthanc and orthanc-dicomweb (.ci/run lists them)`);
    }
  }
  const dir = tempDir('nbia-orthanc-');
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage);
  const config = {
    Name: 'nbia-dicomweb-reference',
    StorageDirectory: storage,
    IndexDirectory: storage,
    HttpPort: ORTHANC_HTTP_PORT,
    DicomPort: ORTHANC_DICOM_PORT,
    DicomServerEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    HttpCompressionEnabled: false,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, StudiesMetadata: 'Full', SeriesMetadata: 'Full' },
  };
  const configFile = path.join(dir, 'orthanc.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const logFile = path.join(dir, 'orthanc.log');
  const log = fs.openSync(logFile, 'w');
  const child: ChildProcess = spawn(ORTHANC_BINARY, [configFile], { stdio: ['ignore', log, log] });
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
  child.on('error', (err) => (exited = `could not be run: ${err.message}`));
  const url = `http://127.0.0.1:${ORTHANC_HTTP_PORT}`;
  const cleanup = () => {
    fs.closeSync(log);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const fail = (why: string): never => {
    const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    child.kill('SIGKILL');
    cleanup();
    throw new Error(`ORTHANC DID NOT START (${why}); the comparison with Orthanc cannot run. Its log:\n${text}`);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) fail(`Orthanc ${exited}; is port ${ORTHANC_HTTP_PORT} taken?`);
    try {
      const res = await fetch(`${url}/system`);
      const system = (await res.json()) as { Name?: string };
      // Another server on the port would answer too: make sure it is ours.
      if (system.Name !== config.Name) fail(`port ${ORTHANC_HTTP_PORT} answers as "${system.Name}", not the Orthanc this test started`);
      const plugins = (await (await fetch(`${url}/plugins`)).json()) as string[];
      if (!plugins.includes('dicom-web')) fail(`the DICOMweb plugin did not load (plugins: ${plugins.join(', ')})`);
      break;
    } catch (err) {
      if ((err as Error).message.startsWith('ORTHANC')) throw err;
      if (Date.now() > deadline) fail('no answer on its HTTP port within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    url,
    dicomweb: `${url}/dicom-web`,
    upload: async (file) => {
      const res = await fetch(`${url}/instances`, { method: 'POST', body: fs.readFileSync(file) });
      return { status: res.status, body: await res.text() };
    },
    stop: async () => {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        if (!exited) child.kill('SIGKILL');
      }
      cleanup();
    },
  };
}
