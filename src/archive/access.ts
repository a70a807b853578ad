// The access policy, decided once and in SQL: a viewer sees the public collections and
// the collections granted to it. Every archive query starts from the builders of an
// AccessScope, which carry that restriction; nothing outside src/archive gets the raw
// database for reading metadata, and routes only ever hold an Archive bound to a Viewer.
import type { Compilable, Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from '../store/schema.js';
import { keptCompiled } from '../store/compiled-query.js';

export type Viewer =
  | { readonly kind: 'guest' }
  | { readonly kind: 'user'; readonly userId: number; readonly name: string };

export const GUEST: Viewer = Object.freeze({ kind: 'guest' });

/** The account name NBIA clients use for public access. */
export const GUEST_NAME = 'nbia_guest';

export function viewerName(viewer: Viewer): string {
  return viewer.kind === 'guest' ? GUEST_NAME : viewer.name;
}

/** Unrestricted query parts kept per database by AccessScope.seriesWith, by name. */
const SHARED_SERIES = new WeakMap<Kysely<Database>, Map<string, unknown>>();

export class AccessScope {
  constructor(
    private readonly db: Kysely<Database>,
    readonly viewer: Viewer,
  ) {}

  /**
   * Ids of the collections this viewer may see, as a subquery. Grants are read on every
   * request (no cache), so a grant or revoke takes effect at once on every node.
   */
  visibleCollectionIds() {
    const viewer = this.viewer;
    return this.db
      .selectFrom('collection as vc')
      .select('vc.id')
      .where((eb) =>
        viewer.kind === 'guest'
          ? eb('vc.is_public', '=', 1)
          : eb.or([
              eb('vc.is_public', '=', 1),
              eb(
                'vc.id',
                'in',
                eb.selectFrom('collection_grant as vg').select('vg.collection_id').where('vg.user_id', '=', viewer.userId),
              ),
            ]),
      );
  }

  /**
   * A series query whose unrestricted part (`build`: its joins and columns) is the same on
   * every request: it is built once per database under `name` and kept, and each call
   * restricts it to this viewer's series. Kysely parses every column reference of a query
   * each time it is built; for the 41 columns of a series row that was a third of a
   * one-patient getSeries' CPU, and the parsed nodes most of what each young-generation
   * garbage collection had to copy (issue 7: the one-client p99 was those pauses).
   */
  seriesWith<TB extends keyof Database, O>(
    name: string,
    build: (series: SelectQueryBuilder<Database, 'series', object>) => SelectQueryBuilder<Database, TB, O>,
  ): SelectQueryBuilder<Database, TB, O> {
    let shared = SHARED_SERIES.get(this.db);
    if (!shared) SHARED_SERIES.set(this.db, (shared = new Map()));
    let base = shared.get(name) as SelectQueryBuilder<Database, TB, O> | undefined;
    if (!base) shared.set(name, (base = build(this.db.selectFrom('series'))));
    // Every base starts from the series table (`build` is handed selectFrom('series')), so
    // the restriction applies to it whatever else the base joins.
    const restricted = (base as unknown as SelectQueryBuilder<Database, 'series', O>).where('series.collection_id', 'in', this.visibleCollectionIds());
    return restricted as unknown as SelectQueryBuilder<Database, TB, O>;
  }

  /**
   * Runs a query that depends on nothing but the viewer (no request parameter), compiled
   * once per database, name and viewer and kept. Building and compiling it with Kysely took
   * 15 µs a request and left its frozen nodes to the collector: kept, a getCollectionValues
   * costs 88-107 µs of CPU instead of 134-157 (issue 7: the collection listing was slower
   * than Orthanc's /patients). The viewer's grants are in the SQL and read when it runs, so
   * a grant or revoke still takes effect at once.
   */
  async runCompiled<R>(name: string, build: (scope: AccessScope) => Compilable<R>): Promise<R[]> {
    const key = this.viewer.kind === 'guest' ? `${name} guest` : `${name} user ${this.viewer.userId}`;
    return (await this.db.executeQuery(keptCompiled(this.db, key, () => build(this).compile()))).rows;
  }

  /** Collections this viewer may see. */
  collections(): SelectQueryBuilder<Database, 'collection', object> {
    return this.db.selectFrom('collection').where('collection.id', 'in', this.visibleCollectionIds());
  }

  /** Patients of the collections this viewer may see. */
  patients(): SelectQueryBuilder<Database, 'patient', object> {
    return this.db.selectFrom('patient').where('patient.collection_id', 'in', this.visibleCollectionIds());
  }

  /** Studies of the patients this viewer may see. */
  studies(): SelectQueryBuilder<Database, 'study', object> {
    return this.db.selectFrom('study').where('study.patient_pk', 'in', this.patients().select('patient.id'));
  }

  /** Series of the collections this viewer may see. */
  series(): SelectQueryBuilder<Database, 'series', object> {
    return this.db.selectFrom('series').where('series.collection_id', 'in', this.visibleCollectionIds());
  }

  /** Per-collection patient counts of the visible collections (kept by migration 0008's triggers). */
  collectionValueCounts(): SelectQueryBuilder<Database, 'collection_value_count', object> {
    return this.db.selectFrom('collection_value_count').where('collection_value_count.collection_id', 'in', this.visibleCollectionIds());
  }

  /** Images of visible series (joined to their series, which carries the restriction). */
  images() {
    return this.series().innerJoin('image', 'image.series_pk', 'series.id');
  }

  /** Shared carts are not restricted themselves; their series are filtered through series(). */
  carts(): SelectQueryBuilder<Database, 'cart', object> {
    return this.db.selectFrom('cart');
  }
}
