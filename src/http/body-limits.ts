// How large a request body may be. Features import these (a route sets `bodyLimit`, a streamed
// import caps what it reads), so they live here, below the features, and not in app.ts.

/** Any JSON body, unless its route says otherwise. */
export const JSON_BODY_LIMIT = 1024 * 1024;
/** JSON bodies of whole-roster replacements and membership imports. */
export const LARGE_JSON_BODY_LIMIT = 8 * 1024 * 1024;
/** CSV and NDJSON bodies, streamed and counted while they are read. */
export const STREAM_BODY_LIMIT = 512 * 1024 * 1024;
