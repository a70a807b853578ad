// Shared pieces of the auth tests: an app over a test store with a probe endpoint in every
// family (it resolves the viewer and lists what that viewer may see), and login helpers.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import { buildServer } from '../../src/server.js';
import { DEFAULT_SERVER_OPTIONS, scopeFor, type AppContext, type ServerOptions } from '../../src/context.js';
import { FAMILIES, endpointPaths } from '../../src/nbia/families.js';
import { resolveViewer } from '../../src/auth/viewer.js';
import { addUser, type Actor } from '../../src/auth/accounts.js';
import type { Database } from '../../src/store/schema.js';
import type { Store } from '../../src/store/db.js';
import type { FsBlobStore } from '../../src/blobs/fs/fs-blob-store.js';

export const PROBE = 'authProbe';
export const TEST_ACTOR: Actor = { address: null, description: 'by the test suite' };

/**
 * Registers `authProbe` in every family: it answers like a small getSeries (the visible
 * series, filtered by Collection and SeriesInstanceUID) and says who the viewer is.
 */
export function registerProbe(app: FastifyInstance, ctx: AppContext): void {
  for (const family of FAMILIES) {
    for (const url of endpointPaths(family, PROBE)) {
      app.get(url, async (request) => {
        const viewer = await resolveViewer(ctx, request, family);
        const query = request.query as Record<string, string | undefined>;
        let series = scopeFor(ctx, viewer)
          .series()
          .innerJoin('collection', 'collection.id', 'series.collection_id')
          .select(['collection.name as Collection', 'series.series_instance_uid as SeriesInstanceUID']);
        if (query.Collection) series = series.where('collection.name', '=', query.Collection);
        if (query.SeriesInstanceUID) series = series.where('series.series_instance_uid', '=', query.SeriesInstanceUID);
        const rows = await series.orderBy('series.series_instance_uid').execute();
        return { viewer: viewer.kind === 'guest' ? 'guest' : viewer.name, series: rows };
      });
    }
  }
}

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
}

/** The app of buildServer, plus the probe and any `extra` test routes, ready for inject. */
export async function startApp(
  opened: { store: Store; blobs: FsBlobStore },
  options: Partial<ServerOptions> = {},
  extra?: (app: FastifyInstance, ctx: AppContext) => void,
): Promise<TestApp> {
  const ctx: AppContext = { store: opened.store, blobs: opened.blobs, options: { ...DEFAULT_SERVER_OPTIONS, ...options } };
  const app = await buildServer(ctx);
  registerProbe(app, ctx);
  extra?.(app, ctx);
  await app.ready();
  return { app, ctx };
}

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export interface LoginOptions {
  path?: string;
  address?: string;
  extra?: Record<string, string>;
}

export function login(app: FastifyInstance, username: string, password: string, options: LoginOptions = {}): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: options.path ?? '/nbia-api/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    remoteAddress: options.address ?? '127.0.0.1',
    payload: form({ grant_type: 'password', client_id: 'NBIA', username, password, ...options.extra }),
  });
}

export function refresh(app: FastifyInstance, refreshToken: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/nbia-api/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: form({ grant_type: 'refresh_token', client_id: 'NBIA', refresh_token: refreshToken }),
  });
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  session_state: string;
  expires_in: number;
}

export async function loginOk(app: FastifyInstance, username: string, password: string): Promise<Tokens> {
  const res = await login(app, username, password);
  if (res.statusCode !== 200) throw new Error(`login of ${username} failed: ${res.statusCode} ${res.body}`);
  return res.json() as Tokens;
}

/** GET the probe of a family with an optional Authorization header value. */
export function probe(app: FastifyInstance, family: 'v1' | 'v2' | 'v4' | 'advanced', authorization?: string, query = ''): Promise<LightMyRequestResponse> {
  const url = `${endpointPaths(family, PROBE)[0]}${query}`;
  return app.inject({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } });
}

export async function addCollection(db: Kysely<Database>, name: string, isPublic: boolean): Promise<number> {
  const row = await db
    .insertInto('collection')
    .values({ name, is_public: isPublic ? 1 : 0, created_at: '2026-01-01 00:00:00.000' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** A patient, study and series in a collection (only what the access scope reads). */
export async function addSeries(db: Kysely<Database>, collectionId: number, seriesUid: string): Promise<void> {
  const patient = await db
    .insertInto('patient')
    .values({ collection_id: collectionId, patient_id: `P-${seriesUid}`, patient_name: null, patient_birth_date: null, patient_sex: null, ethnic_group: null, species_code: null, species_description: null, phantom: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const study = await db
    .insertInto('study')
    .values({ patient_pk: Number(patient.id), study_instance_uid: `${seriesUid}.0`, study_date: null, study_time: null, study_description: null, admitting_diagnoses_description: null, study_id: null, patient_age: null, longitudinal_temporal_event_type: null, longitudinal_temporal_offset_from_event: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('series')
    .values({
      study_pk: Number(study.id), patient_pk: Number(patient.id), collection_id: collectionId, series_instance_uid: seriesUid,
      site: null, modality: 'CT', series_date: null, series_time: null, series_description: null, protocol_name: null,
      body_part_examined: null, series_number: null, annotations_flag: null, manufacturer: null, manufacturer_model_name: null,
      software_versions: null, pixel_spacing_row: null, slice_thickness: null, sop_class_uid: null, image_count: 0, total_size: 0,
      max_submission_timestamp: null, date_released: null, released_status: null, third_party_analysis: null,
    })
    .execute();
}

/** A public collection PUB (series 1.2.3.1) and a restricted one RESTR (series 1.2.3.2). */
export async function seedTwoCollections(db: Kysely<Database>): Promise<{ pub: number; restr: number }> {
  const pub = await addCollection(db, 'PUB', true);
  const restr = await addCollection(db, 'RESTR', false);
  await addSeries(db, pub, '1.2.3.1');
  await addSeries(db, restr, '1.2.3.2');
  return { pub, restr };
}

export async function addTestUser(db: Kysely<Database>, name: string, password = 'correct horse'): Promise<void> {
  await addUser(db, name, password, TEST_ACTOR);
}

export const bearer = (token: string) => `Bearer ${token}`;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
