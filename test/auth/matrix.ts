// The access matrix: every registered /nbia-api endpoint × every kind of caller, checked
// for the status its family owes that caller and for restricted data leaking into bodies.
//
// It is data-driven: routes are read from the app itself (so new endpoints are picked up
// without touching this file), and every request carries one superset of the parameters
// NBIA endpoints read (unknown parameters are ignored by policy), filled from a seeded
// archive with a public and a restricted collection whose every identifier is known.
//
// For a caller who may not see the restricted collection the harness sends three
// variants of each request:
//   restricted  parameters naming the restricted collection's patient, study, series...
//   ghost       the same parameters naming things that do not exist at all
//   public      parameters naming the public collection's things
// and requires that (1) restricted and ghost get the same status and the same body once
// the names are replaced by placeholders ("a series that is not yours is answered exactly
// like one that does not exist"), and (2) no restricted name appears in the public answer.
// A caller with a grant must get neither 401 nor 5xx; an endpoint whose answer for that
// caller neither depends on nor shows the restricted data is reported as vacuous (nothing
// proven there: the parameters did not reach it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';
import type { BlobStore } from '../../src/blobs/blob-store.js';
import type { Family } from '../../src/nbia/families.js';
import { grantCollection, revokeCollection } from '../../src/auth/accounts.js';
import { newToken } from '../../src/auth/tokens.js';
import { TEST_ACTOR, addTestUser, bearer, form, loginOk } from './helpers.js';

// ---------------------------------------------------------------------------------------
// The seeded archive

/** Everything that names one side of the archive; the same keys for public, restricted and ghost. */
export interface ArchiveSide {
  collection: string;
  patientId: string;
  patientName: string;
  studyUid: string;
  studyDescription: string;
  seriesUid: string;
  seriesDescription: string;
  bodyPart: string;
  manufacturer: string;
  model: string;
  modality: string;
  speciesCode: string;
  speciesDescription: string;
  sopUids: string[];
  collectionDescription: string;
}

const ROOT_UID = '1.2.826.0.1.3680043.10.5';

function side(tag: 'PUB' | 'RES' | 'GHO', uidRoot: string, modality: string, speciesCode: string): ArchiveSide {
  return {
    collection: `Matrix-${tag}-Collection`,
    patientId: `MX${tag}-PATIENT-01`,
    patientName: `Mx${tag}^Patient`,
    studyUid: `${uidRoot}.1`,
    studyDescription: `mx${tag} study description`,
    seriesUid: `${uidRoot}.1.1`,
    seriesDescription: `mx${tag} series description`,
    bodyPart: `MX${tag}BODYPART`,
    manufacturer: `Mx${tag} Vendor`,
    model: `Mx${tag} Model 9`,
    modality,
    speciesCode,
    speciesDescription: `mx${tag} species`,
    sopUids: [`${uidRoot}.1.1.1`, `${uidRoot}.1.1.2`],
    collectionDescription: `<p>mx${tag} collection description</p>`,
  };
}

// The restricted side's modality and species are made up, so that a list of modalities or
// species that counts restricted series shows them.
export const MATRIX_PUBLIC = side('PUB', `${ROOT_UID}.7771`, 'CT', '337915000');
export const MATRIX_RESTRICTED = side('RES', `${ROOT_UID}.7772`, 'MXRESMOD', '777000111');
/** Names of nothing: the ghost twin of the restricted side. */
export const MATRIX_GHOST = side('GHO', `${ROOT_UID}.7773`, 'MXGHOMOD', '777000999');
export const MATRIX_CART = 'matrix-shared-cart';
const RELEASED = '2021-05-05';

/** The strings that identify restricted data, in the order a placeholder swap needs (longest first). */
export function identifiers(s: ArchiveSide): string[] {
  return [
    s.collection, s.patientId, s.patientName, s.studyUid, s.studyDescription, s.seriesUid, s.seriesDescription,
    s.bodyPart, s.manufacturer, s.model, s.modality, s.speciesCode, s.speciesDescription, ...s.sopUids, s.collectionDescription,
  ];
}

/** A small valid DICOM Part 10 file (Explicit VR Little Endian), enough for any endpoint that opens one. */
export function matrixDicom(s: ArchiveSide, sopUid: string, instanceNumber: number): Buffer {
  const el = (group: number, element: number, vr: string, value: string | Buffer): Buffer => {
    let body = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
    if (body.length % 2 === 1) body = Buffer.concat([body, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
    const head = Buffer.alloc(8);
    head.writeUInt16LE(group, 0);
    head.writeUInt16LE(element, 2);
    head.write(vr, 4, 'latin1');
    head.writeUInt16LE(body.length, 6);
    return Buffer.concat([head, body]);
  };
  const sopClass = '1.2.840.10008.5.1.4.1.1.2';
  const metaBody = Buffer.concat([
    el(0x0002, 0x0002, 'UI', sopClass),
    el(0x0002, 0x0003, 'UI', sopUid),
    el(0x0002, 0x0010, 'UI', '1.2.840.10008.1.2.1'),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(metaBody.length, 0);
  const dataset = Buffer.concat([
    el(0x0008, 0x0016, 'UI', sopClass),
    el(0x0008, 0x0018, 'UI', sopUid),
    el(0x0008, 0x0020, 'DA', '20210505'),
    el(0x0008, 0x0060, 'CS', s.modality),
    el(0x0008, 0x0070, 'LO', s.manufacturer),
    el(0x0008, 0x1030, 'LO', s.studyDescription),
    el(0x0008, 0x103e, 'LO', s.seriesDescription),
    el(0x0008, 0x1090, 'LO', s.model),
    el(0x0010, 0x0010, 'PN', s.patientName),
    el(0x0010, 0x0020, 'LO', s.patientId),
    el(0x0018, 0x0015, 'CS', s.bodyPart),
    el(0x0020, 0x000d, 'UI', s.studyUid),
    el(0x0020, 0x000e, 'UI', s.seriesUid),
    el(0x0020, 0x0011, 'IS', '1'),
    el(0x0020, 0x0013, 'IS', String(instanceNumber)),
  ]);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), el(0x0002, 0x0000, 'UL', groupLength), metaBody, dataset]);
}

async function seedSide(db: Kysely<Database>, blobs: BlobStore, s: ArchiveSide, isPublic: boolean, scratch: string): Promise<void> {
  const at = '2021-05-05 10:00:00.000';
  const collection = await db
    .insertInto('collection')
    .values({
      name: s.collection, is_public: isPublic ? 1 : 0, license_name: 'CC BY 4.0', license_uri: 'https://creativecommons.org/licenses/by/4.0/',
      license_text: 'Creative Commons Attribution 4.0', description: s.collectionDescription, description_uri: `https://example.org/${s.collection}`,
      description_updated_at: at, created_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const patient = await db
    .insertInto('patient')
    .values({
      collection_id: Number(collection.id), patient_id: s.patientId, patient_name: s.patientName, patient_birth_date: '1960-01-01',
      patient_sex: 'F', ethnic_group: null, species_code: s.speciesCode, species_description: s.speciesDescription, phantom: 'NO',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const study = await db
    .insertInto('study')
    .values({
      patient_pk: Number(patient.id), study_instance_uid: s.studyUid, study_date: RELEASED, study_time: '100000', study_description: s.studyDescription,
      admitting_diagnoses_description: null, study_id: '1', patient_age: '061Y', longitudinal_temporal_event_type: null, longitudinal_temporal_offset_from_event: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const files = s.sopUids.map((uid, i) => matrixDicom(s, uid, i + 1));
  const series = await db
    .insertInto('series')
    .values({
      study_pk: Number(study.id), patient_pk: Number(patient.id), collection_id: Number(collection.id), series_instance_uid: s.seriesUid,
      site: null, modality: s.modality, series_date: RELEASED, series_time: '100000', series_description: s.seriesDescription, protocol_name: null,
      body_part_examined: s.bodyPart, series_number: 1, annotations_flag: 0, manufacturer: s.manufacturer, manufacturer_model_name: s.model,
      software_versions: null, pixel_spacing_row: 0.7, slice_thickness: 1.25, sop_class_uid: '1.2.840.10008.5.1.4.1.1.2',
      image_count: files.length, total_size: files.reduce((n, f) => n + f.length, 0), max_submission_timestamp: at,
      date_released: at, released_status: 'Released', third_party_analysis: 'NO',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const [i, file] of files.entries()) {
    const key = `matrix/${s.sopUids[i]}.dcm`;
    const source = path.join(scratch, `${s.sopUids[i]}.dcm`);
    fs.writeFileSync(source, file);
    await blobs.putFile(key, source);
    await db
      .insertInto('image')
      .values({
        series_pk: Number(series.id), sop_instance_uid: s.sopUids[i]!, sop_class_uid: '1.2.840.10008.5.1.4.1.1.2', instance_number: i + 1,
        acquisition_number: 1, transfer_syntax_uid: '1.2.840.10008.1.2.1', file_size: file.length,
        md5: createHash('md5').update(file).digest('hex'), crc32: zlib.crc32(file), blob_key: key, in_place: 0, ingested_at: at,
      })
      .execute();
  }
}

/** Seeds the public and the restricted side, and a shared cart holding a series of each. */
export async function seedMatrixArchive(db: Kysely<Database>, blobs: BlobStore): Promise<void> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nbia-matrix-'));
  try {
    await seedSide(db, blobs, MATRIX_PUBLIC, true, scratch);
    await seedSide(db, blobs, MATRIX_RESTRICTED, false, scratch);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const cart = await db
    .insertInto('cart')
    .values({ name: MATRIX_CART, name_key: MATRIX_CART.toLowerCase(), description: 'matrix cart', url: null, owner_name: 'matrix', created_at: '2021-05-05 10:00:00.000' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('cart_series')
    .values([
      { cart_id: Number(cart.id), position: 0, series_instance_uid: MATRIX_PUBLIC.seriesUid },
      { cart_id: Number(cart.id), position: 1, series_instance_uid: MATRIX_RESTRICTED.seriesUid },
    ])
    .execute();
}

// ---------------------------------------------------------------------------------------
// The routes

export interface ApiRoute {
  method: 'GET' | 'POST';
  url: string;
  family: Family;
}

/** Paths under /nbia-api that are not NBIA data endpoints. */
const NOT_ENDPOINTS = /^(up|logout|oauth\/token|docs(\/.*)?)$/;

/** Every registered NBIA endpoint (GET and POST), read from the app's route tree. */
export function listApiRoutes(app: FastifyInstance): ApiRoute[] {
  const routes: ApiRoute[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    const url = (depth > 0 ? stack[depth - 1] ?? '' : '') + (m[2] ?? '');
    stack[depth] = url;
    if (!m[3] || url.includes(':') || url.includes('*')) continue;
    const rest = /^\/nbia-api\/(?:services\/)?(.+)$/.exec(url)?.[1];
    if (rest === undefined || NOT_ENDPOINTS.test(rest)) continue;
    const versioned = /^(v1|v2|v4)\//.exec(rest);
    const family: Family | undefined = versioned ? (versioned[1] as Family) : rest.includes('/') ? undefined : 'advanced';
    if (!family) continue;
    for (const method of m[3].split(', ')) {
      if (method === 'GET' || method === 'POST') routes.push({ method, url, family });
    }
  }
  return routes;
}

// ---------------------------------------------------------------------------------------
// The callers

export type CallerName =
  | 'no token'
  | 'malformed token'
  | 'unknown token'
  | 'expired token'
  | 'token revoked by logout'
  | 'refresh token as access token'
  | 'guest'
  | 'granted user'
  | 'ungranted user'
  | 'user whose grant was just revoked';

interface Caller {
  name: CallerName;
  authorization: string | undefined;
  /** bad: 401 in every family; none: no token; denied/granted: a valid token. */
  kind: 'bad' | 'none' | 'denied' | 'granted';
}

const PASSWORD = 'matrix password';

interface Callers {
  list: Caller[];
  /** Called once the revoked user has been seen with the grant: takes the grant away. */
  revokeGrant(): Promise<void>;
}

async function prepareCallers(app: FastifyInstance, db: Kysely<Database>): Promise<Callers> {
  for (const name of ['matrix-granted', 'matrix-ungranted', 'matrix-revoked']) await addTestUser(db, name, PASSWORD);
  await grantCollection(db, 'matrix-granted', MATRIX_RESTRICTED.collection, TEST_ACTOR);
  await grantCollection(db, 'matrix-revoked', MATRIX_RESTRICTED.collection, TEST_ACTOR);
  const granted = await loginOk(app, 'matrix-granted', PASSWORD);
  const ungranted = await loginOk(app, 'matrix-ungranted', PASSWORD);
  const revoked = await loginOk(app, 'matrix-revoked', PASSWORD);
  const guest = await loginOk(app, 'nbia_guest', '');
  const expired = await loginOk(app, 'matrix-granted', PASSWORD);
  await db.updateTable('token').set({ expires_at: '2001-01-01 00:00:00.000' }).where('session_id', '=', expired.session_state).execute();
  const loggedOut = await loginOk(app, 'matrix-granted', PASSWORD);
  const out = await app.inject({ method: 'GET', url: '/nbia-api/logout', headers: { authorization: bearer(loggedOut.access_token) } });
  if (out.statusCode !== 200) throw new Error(`logout failed: ${out.statusCode} ${out.body}`);
  return {
    list: [
      { name: 'no token', authorization: undefined, kind: 'none' },
      { name: 'malformed token', authorization: 'Bearer not.a/token', kind: 'bad' },
      { name: 'unknown token', authorization: bearer(newToken()), kind: 'bad' },
      { name: 'expired token', authorization: bearer(expired.access_token), kind: 'bad' },
      { name: 'token revoked by logout', authorization: bearer(loggedOut.access_token), kind: 'bad' },
      { name: 'refresh token as access token', authorization: bearer(granted.refresh_token), kind: 'bad' },
      { name: 'guest', authorization: bearer(guest.access_token), kind: 'denied' },
      { name: 'granted user', authorization: bearer(granted.access_token), kind: 'granted' },
      { name: 'ungranted user', authorization: bearer(ungranted.access_token), kind: 'denied' },
      { name: 'user whose grant was just revoked', authorization: bearer(revoked.access_token), kind: 'denied' },
    ],
    revokeGrant: async () => {
      await revokeCollection(db, 'matrix-revoked', MATRIX_RESTRICTED.collection, TEST_ACTOR);
    },
  };
}

// ---------------------------------------------------------------------------------------
// The requests

type Variant = 'restricted' | 'ghost' | 'public';

/** One superset of what NBIA endpoints read, naming one side (ISO dates: every family accepts them). */
export function parametersFor(variant: Variant): Record<string, string> {
  const s = variant === 'restricted' ? MATRIX_RESTRICTED : variant === 'ghost' ? MATRIX_GHOST : MATRIX_PUBLIC;
  const list = variant === 'public' ? s.seriesUid : `${s.seriesUid},${MATRIX_PUBLIC.seriesUid}`;
  return {
    Collection: s.collection,
    collectionName: s.collection,
    PatientID: s.patientId,
    StudyInstanceUID: s.studyUid,
    SeriesInstanceUID: s.seriesUid,
    SeriesUID: s.seriesUid,
    SOPInstanceUID: s.sopUids[0]!,
    Modality: s.modality,
    BodyPartExamined: s.bodyPart,
    Manufacturer: s.manufacturer,
    ManufacturerModelName: s.model,
    fromDate: '2000-01-01',
    Date: '2000-01-01',
    name: MATRIX_CART,
    list,
    criteriaType0: 'CollectionCriteria',
    value0: s.collection,
  };
}

function send(app: FastifyInstance, route: ApiRoute, caller: Caller, variant: Variant): Promise<LightMyRequestResponse> {
  const params = parametersFor(variant);
  const headers: Record<string, string> = caller.authorization === undefined ? {} : { authorization: caller.authorization };
  if (route.method === 'GET') {
    return app.inject({ method: 'GET', url: `${route.url}?${form(params)}`, headers });
  }
  return app.inject({
    method: 'POST',
    url: route.url,
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    payload: form(params),
  });
}

const bodyOf = (res: LightMyRequestResponse) => res.rawPayload.toString('latin1');

/**
 * The body with every restricted or ghost name replaced by the same placeholder, and
 * with values that differ from one request to the next (a manifest's epoch-millisecond
 * id) replaced too.
 */
function placeholders(body: string): string {
  const now = Date.now();
  body = body.replace(/\b1\d{12}\b/g, (ms) => (Math.abs(Number(ms) - now) < 86_400_000 ? '<now in ms>' : ms));
  const pairs = identifiers(MATRIX_RESTRICTED).map((r, i) => [r, identifiers(MATRIX_GHOST)[i]!, `<name ${i}>`] as const);
  let out = body;
  for (const [restricted, ghost, mark] of [...pairs].sort((a, b) => b[0].length - a[0].length)) {
    out = out.split(restricted).join(mark).split(ghost).join(mark);
  }
  return out;
}

function leakedNames(body: string): string[] {
  return identifiers(MATRIX_RESTRICTED).filter((name) => body.includes(name));
}

// ---------------------------------------------------------------------------------------
// The run

export interface MatrixReport {
  routes: ApiRoute[];
  requests: number;
  failures: string[];
  /** Endpoints whose answer to the granted user did not depend on restricted data: nothing proven there. */
  vacuous: string[];
}

export interface MatrixOptions {
  /** Only the routes this accepts (default: all). */
  only?: (route: ApiRoute) => boolean;
  /**
   * The aliases without `services/` (`/nbia-api/v2/getSeries`) reach the same handlers as
   * the `services/` paths: 'statuses' (default) checks each caller's status there, 'full'
   * runs the leak checks on them too.
   */
  aliases?: 'statuses' | 'full';
}

const isAlias = (route: ApiRoute) => !route.url.startsWith('/nbia-api/services/');

/**
 * Runs the whole matrix against an app over a store seeded with seedMatrixArchive (and no
 * other users of the same names). Never throws for a finding: every finding is a line in
 * `failures`.
 */
export async function runAccessMatrix(app: FastifyInstance, db: Kysely<Database>, options: MatrixOptions = {}): Promise<MatrixReport> {
  const routes = listApiRoutes(app).filter(options.only ?? (() => true));
  const deep = (route: ApiRoute) => options.aliases === 'full' || !isAlias(route);
  const callers = await prepareCallers(app, db);
  const failures: string[] = [];
  const vacuous: string[] = [];
  let requests = 0;
  const call = async (route: ApiRoute, caller: Caller, variant: Variant) => {
    requests++;
    return send(app, route, caller, variant);
  };
  const where = (route: ApiRoute, caller: Caller, variant?: Variant) => `${route.method} ${route.url} [${caller.name}${variant ? `, ${variant}` : ''}]`;
  const short = (res: LightMyRequestResponse) => `${res.statusCode} ${bodyOf(res).slice(0, 160).replace(/[^\x20-\x7e]/g, '.')}`;

  const expectUnauthorized = (route: ApiRoute, caller: Caller, res: LightMyRequestResponse) => {
    let error: unknown;
    try {
      error = (JSON.parse(bodyOf(res)) as { error?: unknown }).error;
    } catch {
      error = undefined;
    }
    if (res.statusCode !== 401 || error !== 'invalid_token' || !/^Bearer\b/.test(String(res.headers['www-authenticate'] ?? ''))) {
      failures.push(`${where(route, caller)}: expected 401 invalid_token with WWW-Authenticate: Bearer, got ${short(res)}`);
    }
  };

  const expectServed = (route: ApiRoute, caller: Caller, variant: Variant, res: LightMyRequestResponse): boolean => {
    if (res.statusCode === 401 || res.statusCode === 403 || res.statusCode >= 500) {
      failures.push(`${where(route, caller, variant)}: a valid caller got ${short(res)}`);
      return false;
    }
    return true;
  };

  /** The three requests of a caller who must not see restricted data. */
  const checkDenied = async (route: ApiRoute, caller: Caller) => {
    if (!deep(route)) return void expectServed(route, caller, 'restricted', await call(route, caller, 'restricted'));
    const restricted = await call(route, caller, 'restricted');
    const ghost = await call(route, caller, 'ghost');
    const pub = await call(route, caller, 'public');
    const served = [expectServed(route, caller, 'restricted', restricted), expectServed(route, caller, 'ghost', ghost), expectServed(route, caller, 'public', pub)];
    if (!served.every(Boolean)) return;
    if (restricted.statusCode !== ghost.statusCode) {
      failures.push(`${where(route, caller)}: restricted data answered ${restricted.statusCode}, nonexistent data ${ghost.statusCode} (existence leaks)`);
    } else if (placeholders(bodyOf(restricted)) !== placeholders(bodyOf(ghost))) {
      failures.push(
        `${where(route, caller)}: the answer about restricted data differs from the answer about nonexistent data:\n` +
          `    restricted: ${placeholders(bodyOf(restricted)).slice(0, 300)}\n    ghost:      ${placeholders(bodyOf(ghost)).slice(0, 300)}`,
      );
    }
    const leaked = leakedNames(bodyOf(pub));
    if (leaked.length > 0) failures.push(`${where(route, caller, 'public')}: restricted names in the body: ${leaked.join(', ')}`);
  };

  /** A granted caller is served; returns whether the answer depended on or showed restricted data. */
  const checkGranted = async (route: ApiRoute, caller: Caller): Promise<boolean> => {
    if (!deep(route)) return expectServed(route, caller, 'restricted', await call(route, caller, 'restricted'));
    const restricted = await call(route, caller, 'restricted');
    const ghost = await call(route, caller, 'ghost');
    const ok = expectServed(route, caller, 'restricted', restricted) && expectServed(route, caller, 'ghost', ghost);
    // Proven: the answer depends on the restricted data, or shows it (a list that ignores parameters).
    return (
      ok &&
      (restricted.statusCode !== ghost.statusCode ||
        placeholders(bodyOf(restricted)) !== placeholders(bodyOf(ghost)) ||
        leakedNames(bodyOf(ghost)).length > 0)
    );
  };

  const revokedUser = callers.list.find((c) => c.name === 'user whose grant was just revoked')!;
  // The revoked user is first seen while the grant holds, so that any cache of grants is warm.
  for (const route of routes) if (deep(route)) await checkGranted(route, revokedUser);
  await callers.revokeGrant();

  for (const route of routes) {
    for (const caller of callers.list) {
      if (caller.kind === 'bad') {
        expectUnauthorized(route, caller, await call(route, caller, 'restricted'));
      } else if (caller.kind === 'none') {
        if (route.family === 'v1' || route.family === 'v4') await checkDenied(route, caller);
        else expectUnauthorized(route, caller, await call(route, caller, 'restricted'));
      } else if (caller.kind === 'denied') {
        await checkDenied(route, caller);
      } else if (!(await checkGranted(route, caller)) && deep(route)) {
        vacuous.push(`${route.method} ${route.url}`);
      }
    }
  }
  return { routes, requests, failures, vacuous };
}
