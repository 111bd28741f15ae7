// Independent ActivityPub peer for Lectern's integration tests.
//
// A single-actor Fedify server (actor "alice", type Person) listening on
// loopback.  It records every activity that reaches its inbox and offers a
// small JSON control API under /_control/ so that Python tests can drive it
// (follow / undo / lookup / post a Note to followers) and inspect what it received.
//
// Usage:  node tests/peer/peer.mjs [port]
//   port 0 (default) lets the OS choose; the chosen port is printed as
//   "READY <port>" on stdout once the server is listening.  Logs go to stderr.
//
// Environment:
//   PEER_PORT          port if none is given on the command line (default 0)
//   PEER_HOST          interface to bind (default 127.0.0.1)
//   PEER_FIRST_KNOCK   "draft-cavage-http-signatures-12" (default) or "rfc9421";
//                      passed to Fedify's `firstKnock` federation option
//   PEER_AUTO_ACCEPT   what to do with incoming Follow: "accept" (default),
//                      "reject" or "ignore"
//   PEER_RSA_BITS      RSA modulus length (default 2048, keeps startup fast;
//                      Fedify's own generateCryptoKeyPair() uses 4096)
//   PEER_LOG_LEVEL     LogTape level for Fedify's logs on stderr
//                      (trace|debug|info|warning|error|fatal; default info)

import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import process from "node:process";
import { randomUUID } from "node:crypto";

import {
  createFederation,
  generateCryptoKeyPair,
  getDocumentLoader,
  MemoryKvStore,
  verifyRequestDetailed,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Announce,
  Create,
  Delete,
  Endpoints,
  Follow,
  getTypeId,
  isActor,
  Like,
  Mention,
  Note,
  Person,
  PUBLIC_COLLECTION,
  QuoteRequest,
  Reject,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";
import { configure, getLogger, getTextFormatter } from "@logtape/logtape";

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

const FIRST_KNOCK_VALUES = ["draft-cavage-http-signatures-12", "rfc9421"];
const AUTO_ACCEPT_VALUES = ["accept", "reject", "ignore"];
const LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "fatal"];
const ACTOR_IDENTIFIER = "alice";
// Hosts for which https:// URLs are rewritten to http:// (Fedify always uses
// https:// for WebFinger lookups of acct: handles).
const LOOPBACK_HOSTNAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);
const MAX_LOG_ENTRIES = 2000;
const AS_NS = "https://www.w3.org/ns/activitystreams#";

function fail(message) {
  process.stderr.write(`peer: ${message}\n`);
  process.exit(2);
}

const requestedPort = Number.parseInt(process.argv[2] ?? process.env.PEER_PORT ?? "0", 10);
if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
  fail(`invalid port: ${process.argv[2] ?? process.env.PEER_PORT}`);
}
const bindHost = process.env.PEER_HOST ?? "127.0.0.1";
const firstKnock = process.env.PEER_FIRST_KNOCK || "draft-cavage-http-signatures-12";
if (!FIRST_KNOCK_VALUES.includes(firstKnock)) {
  fail(`PEER_FIRST_KNOCK must be one of ${FIRST_KNOCK_VALUES.join(", ")}; got ${firstKnock}`);
}
const autoAccept = process.env.PEER_AUTO_ACCEPT || "accept";
if (!AUTO_ACCEPT_VALUES.includes(autoAccept)) {
  fail(`PEER_AUTO_ACCEPT must be one of ${AUTO_ACCEPT_VALUES.join(", ")}; got ${autoAccept}`);
}
const rsaBits = Number.parseInt(process.env.PEER_RSA_BITS || "2048", 10);
if (![2048, 3072, 4096].includes(rsaBits)) fail(`PEER_RSA_BITS must be 2048, 3072 or 4096`);
const logLevel = process.env.PEER_LOG_LEVEL || "info";
if (!LOG_LEVELS.includes(logLevel)) fail(`PEER_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);

// ---------------------------------------------------------------------------
// Logging (stderr only: stdout carries nothing but the READY line)
// ---------------------------------------------------------------------------

const textFormatter = getTextFormatter();
await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { stderr: (record) => process.stderr.write(textFormatter(record)) },
  loggers: [
    { category: "fedify", lowestLevel: logLevel, sinks: ["stderr"] },
    { category: "peer", lowestLevel: "debug", sinks: ["stderr"] },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
  ],
});
const logger = getLogger(["peer"]);

// ---------------------------------------------------------------------------
// Loopback fetch: https://127.0.0.1:PORT/... -> http://127.0.0.1:PORT/...
//
// Fedify's WebFinger client builds https://<host>/.well-known/webfinger for
// acct: handles, and its document loaders call the global fetch().  Fedify
// refuses a custom documentLoaderFactory together with allowPrivateAddress,
// so the rewrite is done one level lower, in globalThis.fetch.
// ---------------------------------------------------------------------------

const originalFetch = globalThis.fetch;

function rewriteLoopbackUrl(url) {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" || !LOOPBACK_HOSTNAMES.has(parsed.hostname)) return null;
  parsed.protocol = "http:";
  return parsed;
}

globalThis.fetch = async function loopbackFetch(input, init) {
  const url = input instanceof Request ? input.url : input instanceof URL ? input.href : String(input);
  const rewritten = rewriteLoopbackUrl(url);
  if (rewritten == null) return originalFetch(input, init);
  logger.debug("Rewriting {from} to {to} (loopback peer has no TLS).", {
    from: url,
    to: rewritten.href,
  });
  if (input instanceof Request) {
    const hasBody = input.method !== "GET" && input.method !== "HEAD";
    input = new Request(rewritten, {
      method: input.method,
      headers: input.headers,
      body: hasBody ? await input.arrayBuffer() : undefined,
      redirect: input.redirect,
      signal: input.signal,
    });
    return originalFetch(input, init);
  }
  return originalFetch(rewritten, init);
};

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

/** Activities that reached a listener (i.e. Fedify authenticated them). */
const inbox = [];
/** Activities refused because no signature/proof could be verified. */
const rejected = [];
/** Every HTTP request the peer served (for debugging). */
const requestLog = [];
/** Follows sent by alice: follow id -> { follow, targetId, inbox, state } */
const follows = new Map();
/** Actors following alice: actor id -> follow id */
const followers = new Map();
/** Notes alice posted through the control API: note id -> Note */
const notes = new Map();
let sequence = 0;

function pushBounded(list, entry) {
  list.push(entry);
  if (list.length > MAX_LOG_ENTRIES) list.splice(0, list.length - MAX_LOG_ENTRIES);
}

function shortType(typeId) {
  const href = typeId.href;
  return href.startsWith(AS_NS) ? href.slice(AS_NS.length) : href;
}

// ---------------------------------------------------------------------------
// Keys (generated at start, kept in memory only)
// ---------------------------------------------------------------------------

const rsaKeyPair = await crypto.subtle.generateKey(
  {
    name: "RSASSA-PKCS1-v1_5",
    modulusLength: rsaBits,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: "SHA-256",
  },
  true,
  ["sign", "verify"],
);
const ed25519KeyPair = await generateCryptoKeyPair("Ed25519");

// ---------------------------------------------------------------------------
// HTTP server (created first so that port 0 can be resolved before Fedify's
// origin is fixed)
// ---------------------------------------------------------------------------

let federation = null;
let origin = null;
const server = http.createServer((req, res) => {
  handleNodeRequest(req, res).catch((error) => {
    logger.error("Unhandled error for {method} {url}: {error}", {
      method: req.method,
      url: req.url,
      error,
    });
    if (!res.headersSent) {
      res.writeHead(500, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: String(error?.stack ?? error) }));
    } else {
      res.end();
    }
  });
});

await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(requestedPort, bindHost, resolve);
});
const port = server.address().port;
const hostForUrl = bindHost.includes(":") ? `[${bindHost}]` : bindHost;
origin = `http://${hostForUrl}:${port}`;

// ---------------------------------------------------------------------------
// Federation
// ---------------------------------------------------------------------------

federation = createFederation({
  kv: new MemoryKvStore(),
  // Canonical origin: actor ids are http://127.0.0.1:PORT/users/alice and the
  // WebFinger handle is @alice@127.0.0.1:PORT whatever Host header is used.
  origin,
  // Loopback peers: allow the built-in document loaders, WebFinger client and
  // key fetchers to reach 127.0.0.1 (FederationOptions.allowPrivateAddress).
  allowPrivateAddress: true,
  // Which HTTP signature spec to try first with an origin not seen before;
  // the other one is tried if the first gets a 4xx/5xx ("double knocking").
  firstKnock,
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== ACTOR_IDENTIFIER) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Alice (Fedify test peer)",
      summary: "Independent ActivityPub peer used by Lectern's integration tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      manuallyApprovesFollowers: false,
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((key) => key.multikey),
    });
  })
  .mapHandle((_ctx, username) => (username === ACTOR_IDENTIFIER ? ACTOR_IDENTIFIER : null))
  .setKeyPairsDispatcher((_ctx, identifier) => {
    if (identifier !== ACTOR_IDENTIFIER) return [];
    // The RSA pair must come first: it is used for HTTP Signatures and
    // Linked Data Signatures; the Ed25519 pair signs Object Integrity Proofs.
    return [rsaKeyPair, ed25519KeyPair];
  });

federation.setFollowersDispatcher("/users/{identifier}/followers", async (ctx, identifier) => {
  if (identifier !== ACTOR_IDENTIFIER) return null;
  const items = [];
  for (const actorId of followers.keys()) {
    const follower = await ctx.lookupObject(actorId).catch(() => null);
    if (follower != null && isActor(follower)) items.push(follower);
  }
  return { items };
});

// Follow objects sent by alice are dereferenceable (some servers fetch the
// Follow when an Accept only references it by id).
federation.setObjectDispatcher(
  Follow,
  "/users/{identifier}/follows/{id}",
  (ctx, values) => {
    const url = ctx.getObjectUri(Follow, values).href;
    return follows.get(url)?.follow ?? null;
  },
);

// Notes alice posted are dereferenceable too.
federation.setObjectDispatcher(Note, "/users/{identifier}/notes/{id}", (ctx, values) => {
  return notes.get(ctx.getObjectUri(Note, values).href) ?? null;
});

async function recordActivity(ctx, activity) {
  const data = ctx.data ?? {};
  let fedifyView = null;
  try {
    fedifyView = await activity.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  } catch (error) {
    fedifyView = { error: String(error) };
  }
  const entry = {
    seq: ++sequence,
    received_at: new Date().toISOString(),
    type: shortType(getTypeId(activity)),
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    object_id: activity.objectId?.href ?? null,
    recipient: ctx.recipient, // "alice", or null for the shared inbox
    inbox_path: data.path ?? null,
    // Fedify only calls inbox listeners for authenticated activities (HTTP
    // Signatures, Linked Data Signatures or Object Integrity Proofs, with the
    // key owned by the activity's actor).
    verified: true,
    http_signature: data.httpSignature ?? null,
    has_ld_signature: data.json != null && typeof data.json === "object" && "signature" in data.json,
    has_proof: data.json != null && typeof data.json === "object" && "proof" in data.json,
    headers: data.headers ?? null,
    activity: data.json ?? null, // the JSON exactly as the sender POSTed it
    parsed: fedifyView, // how Fedify understood it (compact JSON-LD)
  };
  pushBounded(inbox, entry);
  logger.info("Recorded {type} {id} from {actor}.", entry);
  return entry;
}

async function handleFollow(ctx, follow) {
  await recordActivity(ctx, follow);
  if (autoAccept === "ignore" || follow.id == null || follow.objectId == null) return;
  const parsed = ctx.parseUri(follow.objectId);
  if (parsed?.type !== "actor" || parsed.identifier !== ACTOR_IDENTIFIER) return;
  const follower = await follow.getActor(ctx);
  if (follower == null || follower.id == null) return;
  const actorUri = ctx.getActorUri(parsed.identifier);
  const ReplyType = autoAccept === "accept" ? Accept : Reject;
  const reply = new ReplyType({
    id: new URL(`${actorUri.href}#${autoAccept}s/${randomUUID()}`),
    actor: actorUri,
    object: follow,
    to: follower.id,
  });
  if (autoAccept === "accept") followers.set(follower.id.href, follow.id.href);
  try {
    await ctx.sendActivity({ identifier: parsed.identifier }, follower, reply);
  } catch (error) {
    // Still answer 202 to the Follow; the failure is in the log.
    logger.error("Sending {type} of {follow} to {follower} failed: {error}", {
      type: autoAccept,
      follow: follow.id.href,
      follower: follower.id.href,
      error,
    });
    return;
  }
  logger.info("Sent {type} of {follow} to {follower}.", {
    type: autoAccept,
    follow: follow.id.href,
    follower: follower.id.href,
  });
}

function updateFollowState(activity, state) {
  const followId = activity.objectId?.href;
  if (followId == null) return;
  const record = follows.get(followId);
  if (record != null && activity.actorId?.href === record.targetId) record.state = state;
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, handleFollow)
  .on(Accept, async (ctx, accept) => {
    await recordActivity(ctx, accept);
    updateFollowState(accept, "accepted");
  })
  .on(Reject, async (ctx, reject) => {
    await recordActivity(ctx, reject);
    updateFollowState(reject, "rejected");
  })
  .on(Create, recordActivity)
  .on(Update, recordActivity)
  .on(Delete, recordActivity)
  .on(Announce, recordActivity)
  .on(Undo, async (ctx, undo) => {
    await recordActivity(ctx, undo);
    const object = await undo
      .getObject({
        documentLoader: ctx.documentLoader,
        contextLoader: ctx.contextLoader,
        suppressError: true,
      })
      .catch(() => null);
    if (object instanceof Follow && undo.actorId != null) followers.delete(undo.actorId.href);
  })
  // Anything else (Like, Add, Move, ...) is recorded too.
  .on(Activity, recordActivity)
  .onUnverifiedActivity((ctx, activity, reason) => {
    const data = ctx.data ?? {};
    pushBounded(rejected, {
      seq: ++sequence,
      received_at: new Date().toISOString(),
      type: shortType(getTypeId(activity)),
      id: activity.id?.href ?? null,
      actor: activity.actorId?.href ?? null,
      reason: reason.type,
      key_id: reason.keyId?.href ?? null,
      http_signature: data.httpSignature ?? null,
      headers: data.headers ?? null,
      activity: data.json ?? null,
    });
    logger.warn("Refused unverified {type} {id}: {reason}.", {
      type: shortType(getTypeId(activity)),
      id: activity.id?.href,
      reason: reason.type,
    });
    // Returning nothing lets Fedify answer 401 as it normally does.
  })
  .onError((_ctx, error) => {
    logger.error("Inbox listener error: {error}", { error });
  });

// ---------------------------------------------------------------------------
// Node http <-> Fetch API bridge
// ---------------------------------------------------------------------------

const SIGNATURE_HEADERS = [
  "host",
  "date",
  "digest",
  "content-digest",
  "content-type",
  "signature",
  "signature-input",
  "user-agent",
];

function describeSignatureHeaders(headers) {
  const signatureInput = headers.get("signature-input");
  const signature = headers.get("signature");
  if (signatureInput != null) {
    return {
      scheme: "rfc9421",
      key_id: /keyid="([^"]*)"/i.exec(signatureInput)?.[1] ?? null,
    };
  }
  if (signature != null) {
    return {
      scheme: "draft-cavage-http-signatures-12",
      key_id: /keyId="([^"]*)"/.exec(signature)?.[1] ?? null,
      algorithm: /algorithm="([^"]*)"/.exec(signature)?.[1] ?? null,
      headers: /headers="([^"]*)"/.exec(signature)?.[1]?.split(/\s+/) ?? null,
    };
  }
  return { scheme: null, key_id: null };
}

function pickHeaders(headers) {
  const picked = {};
  for (const name of SIGNATURE_HEADERS) {
    const value = headers.get(name);
    if (value != null) picked[name] = value;
  }
  return picked;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function handleNodeRequest(req, res) {
  const started = Date.now();
  const body = await readBody(req);
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  }
  // Use the Host the client addressed: RFC 9421 signatures cover the URL.
  const url = new URL(req.url ?? "/", `http://${headers.get("host") ?? `${hostForUrl}:${port}`}`);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const makeRequest = () =>
    new Request(url, {
      method: req.method,
      headers,
      body: hasBody ? body : undefined,
    });

  let response;
  let contextData = {};
  if (url.pathname.startsWith("/_control/")) {
    response = await handleControl(url, req.method, body);
  } else {
    contextData = await buildContextData(url, req.method, headers, body, makeRequest);
    response = await federation.fetch(makeRequest(), { contextData });
  }

  const responseBody = Buffer.from(await response.arrayBuffer());
  const outHeaders = {};
  response.headers.forEach((value, name) => {
    outHeaders[name] = value;
  });
  res.writeHead(response.status, outHeaders);
  res.end(req.method === "HEAD" ? undefined : responseBody);

  if (!url.pathname.startsWith("/_control/")) {
    pushBounded(requestLog, {
      at: new Date(started).toISOString(),
      method: req.method,
      path: url.pathname + url.search,
      accept: headers.get("accept"),
      status: response.status,
      http_signature: contextData.httpSignature ?? describeSignatureHeaders(headers),
      ms: Date.now() - started,
    });
  }
}

async function buildContextData(url, method, headers, body, makeRequest) {
  const data = { path: url.pathname };
  if (method !== "POST") return data;
  data.headers = pickHeaders(headers);
  try {
    data.json = JSON.parse(body.toString("utf8"));
  } catch {
    data.json = null;
  }
  const description = describeSignatureHeaders(headers);
  if (description.scheme == null) {
    data.httpSignature = { ...description, verified: false, reason: "noSignature" };
    return data;
  }
  // Verify the HTTP signature on its own, so that tests can tell whether the
  // sender's HTTP signature is valid even when Fedify accepted the activity
  // through a Linked Data Signature or an Object Integrity Proof instead.
  // Documents are served from Fedify's 5-minute cache, so this normally adds
  // no extra fetch of the key.
  try {
    const ctx = federation.createContext(makeRequest(), {});
    const result = await verifyRequestDetailed(makeRequest(), {
      documentLoader: ctx.documentLoader,
      contextLoader: ctx.contextLoader,
      timeWindow: { hours: 1 }, // Fedify's default signatureTimeWindow
    });
    data.httpSignature = result.verified
      ? { ...description, verified: true, key_owner: result.key?.ownerId?.href ?? null }
      : { ...description, verified: false, reason: result.reason?.type ?? "invalid" };
  } catch (error) {
    data.httpSignature = { ...description, verified: false, reason: `error: ${error}` };
  }
  return data;
}

// ---------------------------------------------------------------------------
// Control API (JSON, not ActivityPub)
// ---------------------------------------------------------------------------

function json(status, value) {
  return new Response(JSON.stringify(value, null, 2), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8" },
  });
}

function parseJsonBody(body) {
  if (body.length === 0) return {};
  try {
    const value = JSON.parse(body.toString("utf8"));
    if (value == null || typeof value !== "object" || Array.isArray(value)) throw new TypeError();
    return value;
  } catch {
    throw new ControlError(400, "request body must be a JSON object");
  }
}

class ControlError extends Error {
  constructor(status, message, extra = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

function controlContext() {
  return federation.createContext(new URL(origin), {});
}

function actorUri() {
  return controlContext().getActorUri(ACTOR_IDENTIFIER);
}

async function lookupActor(identifier, { fresh = false, signed = false } = {}) {
  const ctx = controlContext();
  const options = {};
  if (signed) {
    options.documentLoader = await ctx.getDocumentLoader({ identifier: ACTOR_IDENTIFIER });
  } else if (fresh) {
    options.documentLoader = getDocumentLoader({ allowPrivateAddress: true });
  }
  let object;
  try {
    object = await ctx.lookupObject(identifier, options);
  } catch (error) {
    throw new ControlError(502, `lookup of ${identifier} failed: ${error}`);
  }
  if (object == null) {
    throw new ControlError(
      404,
      `Fedify could not resolve ${identifier} (WebFinger, actor fetch or JSON-LD parsing failed; see the peer's stderr)`,
    );
  }
  if (!isActor(object)) {
    throw new ControlError(422, `${identifier} resolved to a ${shortType(getTypeId(object))}, not an actor`);
  }
  return { ctx, actor: object };
}

function requireString(payload, name) {
  const value = payload[name];
  if (typeof value !== "string" || value === "") {
    throw new ControlError(400, `"${name}" must be a non-empty string`);
  }
  return value;
}

function describeSendError(error) {
  // SendActivityError carries the remote status; its message repeats the body.
  if (error?.statusCode != null) return `the inbox answered HTTP ${error.statusCode}`;
  return String(error);
}

const controlRoutes = {
  "GET /_control/health": () =>
    json(200, {
      ok: true,
      port,
      origin,
      actor: actorUri().href,
      handle: `@${ACTOR_IDENTIFIER}@${new URL(origin).host}`,
      inbox: controlContext().getInboxUri(ACTOR_IDENTIFIER).href,
      shared_inbox: controlContext().getInboxUri().href,
      first_knock: firstKnock,
      auto_accept: autoAccept,
    }),

  "GET /_control/inbox": () => json(200, inbox),
  "GET /_control/rejected": () => json(200, rejected),
  "GET /_control/requests": () => json(200, requestLog),
  "GET /_control/followers": () => json(200, [...followers.keys()]),
  "GET /_control/follows": () =>
    json(
      200,
      [...follows.entries()].map(([id, record]) => ({
        follow_id: id,
        actor: record.targetId,
        inbox: record.inbox,
        state: record.state,
      })),
    ),

  "POST /_control/reset": () => {
    inbox.length = 0;
    rejected.length = 0;
    requestLog.length = 0;
    return json(200, { ok: true });
  },

  "GET /_control/lookup": async (url) => {
    const handle = url.searchParams.get("handle");
    if (!handle) throw new ControlError(400, 'query parameter "handle" is required');
    const { ctx, actor } = await lookupActor(handle, {
      fresh: url.searchParams.get("fresh") === "1",
      signed: url.searchParams.get("signed") === "1",
    });
    return json(200, await actor.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader }));
  },

  "POST /_control/follow": async (_url, body) => {
    const payload = parseJsonBody(body);
    const handle = requireString(payload, "handle");
    const { ctx, actor } = await lookupActor(handle, { fresh: true });
    if (actor.id == null) throw new ControlError(422, `${handle} has no id`);
    if (actor.inboxId == null) throw new ControlError(422, `${actor.id.href} has no inbox`);
    const followId = ctx.getObjectUri(Follow, { identifier: ACTOR_IDENTIFIER, id: randomUUID() });
    const follow = new Follow({
      id: followId,
      actor: ctx.getActorUri(ACTOR_IDENTIFIER),
      object: actor.id,
      to: actor.id,
    });
    follows.set(followId.href, {
      follow,
      targetId: actor.id.href,
      inbox: actor.inboxId.href,
      state: "pending",
    });
    try {
      await ctx.sendActivity({ identifier: ACTOR_IDENTIFIER }, actor, follow);
    } catch (error) {
      follows.get(followId.href).state = "failed";
      throw new ControlError(502, `delivering Follow to ${actor.inboxId.href} failed: ${describeSendError(error)}`, {
        follow_id: followId.href,
        status: error?.statusCode ?? null,
        response_body: error?.responseBody ?? null,
      });
    }
    return json(200, { follow_id: followId.href, actor: actor.id.href, inbox: actor.inboxId.href });
  },

  // Alice posts a public Note (a Create, the Note embedded) and, with "to_followers" (the default), sends it to
  // her followers.  "content" is the Note's HTML; "hashtags" (optional) adds Hashtag tags.
  "POST /_control/note": async (_url, body) => {
    const payload = parseJsonBody(body);
    const content = requireString(payload, "content");
    const hashtags = Array.isArray(payload.hashtags) ? payload.hashtags.filter((tag) => typeof tag === "string") : [];
    const ctx = controlContext();
    const noteId = ctx.getObjectUri(Note, { identifier: ACTOR_IDENTIFIER, id: randomUUID() });
    const followersUri = ctx.getFollowersUri(ACTOR_IDENTIFIER);
    // Built from JSON-LD so that `published` becomes the Temporal.Instant Fedify wants without importing a polyfill.
    const note = await Note.fromJsonLd(
      {
        "@context": ["https://www.w3.org/ns/activitystreams", { Hashtag: "as:Hashtag" }],
        id: noteId.href,
        type: "Note",
        attributedTo: actorUri().href,
        content,
        published: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        to: PUBLIC_COLLECTION.href,
        cc: followersUri.href,
        tag: hashtags.map((tag) => ({ type: "Hashtag", href: `${origin}/tags/${encodeURIComponent(tag)}`, name: `#${tag}` })),
      },
      { contextLoader: ctx.contextLoader, documentLoader: ctx.documentLoader },
    );
    notes.set(noteId.href, note);
    const create = new Create({
      id: new URL(`${noteId.href}#create`),
      actor: actorUri(),
      object: note,
      to: PUBLIC_COLLECTION,
      cc: followersUri,
    });
    const sendToFollowers = payload.to_followers !== false;
    if (sendToFollowers && followers.size > 0) {
      try {
        await ctx.sendActivity({ identifier: ACTOR_IDENTIFIER }, "followers", create, { preferSharedInbox: true });
      } catch (error) {
        throw new ControlError(502, `delivering the Create to followers failed: ${describeSendError(error)}`, {
          note_id: noteId.href,
          status: error?.statusCode ?? null,
        });
      }
    }
    return json(200, {
      note_id: noteId.href,
      create_id: create.id.href,
      followers: sendToFollowers ? [...followers.keys()] : [],
    });
  },

  // Alice talks to one actor elsewhere ("to": its id): a reply to one of its objects, a like, a boost, the deletion
  // of one of her notes, or the undoing of a like or boost. Each is signed and sent to that actor's inbox.
  "POST /_control/reply": async (_url, body) => {
    const payload = parseJsonBody(body);
    const content = requireString(payload, "content");
    const to = requireString(payload, "to");
    const inReplyTo = typeof payload.in_reply_to === "string" ? payload.in_reply_to : null;
    const mention = typeof payload.mention === "string" ? payload.mention : null;
    const ctx = controlContext();
    const noteId = ctx.getObjectUri(Note, { identifier: ACTOR_IDENTIFIER, id: randomUUID() });
    const note = await Note.fromJsonLd(
      {
        "@context": "https://www.w3.org/ns/activitystreams",
        id: noteId.href,
        type: "Note",
        attributedTo: actorUri().href,
        content,
        ...(inReplyTo ? { inReplyTo } : {}),
        published: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        to: PUBLIC_COLLECTION.href,
        cc: to,
        ...(mention ? { tag: [{ type: "Mention", href: mention }] } : {}),
      },
      { contextLoader: ctx.contextLoader, documentLoader: ctx.documentLoader },
    );
    notes.set(noteId.href, note);
    const create = new Create({ id: new URL(`${noteId.href}#create`), actor: actorUri(), object: note, to: PUBLIC_COLLECTION, ccs: [new URL(to)] });
    await sendToActor(ctx, to, create);
    return json(200, { note_id: noteId.href, create_id: create.id.href });
  },

  // Alice asks to quote one of the actor's objects (FEP-044f): a Note of hers quoting it, and a QuoteRequest with
  // that Note as its instrument, sent to the actor "to".
  "POST /_control/quote": async (_url, body) => {
    const payload = parseJsonBody(body);
    const object = requireString(payload, "object");
    const to = requireString(payload, "to");
    const ctx = controlContext();
    const noteId = ctx.getObjectUri(Note, { identifier: ACTOR_IDENTIFIER, id: randomUUID() });
    const note = new Note({ id: noteId, attribution: actorUri(), content: "<p>Worth a look</p>", to: PUBLIC_COLLECTION });
    notes.set(noteId.href, note);
    const request = new QuoteRequest({
      id: new URL(`${noteId.href}#quote-request`),
      actor: actorUri(),
      object: new URL(object),
      instrument: note,
    });
    await sendToActor(ctx, to, request);
    return json(200, { request_id: request.id.href, note_id: noteId.href });
  },

  "POST /_control/like": async (_url, body) => sendReaction(Like, body),
  "POST /_control/announce": async (_url, body) => sendReaction(Announce, body),

  "POST /_control/delete": async (_url, body) => {
    const payload = parseJsonBody(body);
    const noteId = requireString(payload, "note_id");
    const to = requireString(payload, "to");
    const ctx = controlContext();
    const deletion = new Delete({
      id: new URL(`${noteId}#delete-${randomUUID()}`),
      actor: actorUri(),
      object: new Tombstone({ id: new URL(noteId) }),
      to: PUBLIC_COLLECTION,
    });
    notes.delete(noteId);
    await sendToActor(ctx, to, deletion);
    return json(200, { delete_id: deletion.id.href });
  },

  "POST /_control/undo-activity": async (_url, body) => {
    const payload = parseJsonBody(body);
    const activityId = requireString(payload, "activity_id");
    const to = requireString(payload, "to");
    const sent = reactions.get(activityId);
    if (sent == null) throw new ControlError(404, `unknown activity_id ${activityId}`);
    const ctx = controlContext();
    const undo = new Undo({ id: new URL(`${activityId}#undo`), actor: actorUri(), object: sent, to: new URL(to) });
    await sendToActor(ctx, to, undo);
    return json(200, { undo_id: undo.id.href });
  },

  "POST /_control/undo": async (_url, body) => {
    const payload = parseJsonBody(body);
    const followId = requireString(payload, "follow_id");
    const record = follows.get(followId);
    if (record == null) throw new ControlError(404, `unknown follow_id ${followId}`);
    const ctx = controlContext();
    const target = await ctx.lookupObject(record.targetId).catch(() => null);
    if (target == null || !isActor(target)) {
      throw new ControlError(502, `could not fetch ${record.targetId} to undo the follow`);
    }
    const undoId = new URL(`${followId}#undo-${randomUUID()}`);
    const undo = new Undo({
      id: undoId,
      actor: ctx.getActorUri(ACTOR_IDENTIFIER),
      object: record.follow,
      to: target.id,
    });
    try {
      await ctx.sendActivity({ identifier: ACTOR_IDENTIFIER }, target, undo);
    } catch (error) {
      throw new ControlError(502, `delivering Undo to ${record.inbox} failed: ${describeSendError(error)}`, {
        undo_id: undoId.href,
        status: error?.statusCode ?? null,
        response_body: error?.responseBody ?? null,
      });
    }
    record.state = "undone";
    return json(200, { undo_id: undoId.href, follow_id: followId, actor: record.targetId });
  },
};

const reactions = new Map();

async function sendToActor(ctx, to, activity) {
  const target = await ctx.lookupObject(to).catch(() => null);
  if (target == null || !isActor(target)) throw new ControlError(502, `could not fetch the actor ${to}`);
  try {
    await ctx.sendActivity({ identifier: ACTOR_IDENTIFIER }, target, activity);
  } catch (error) {
    throw new ControlError(502, `delivering to ${target.inboxId?.href} failed: ${describeSendError(error)}`, {
      status: error?.statusCode ?? null,
      response_body: error?.responseBody ?? null,
    });
  }
}

async function sendReaction(Kind, body) {
  const payload = parseJsonBody(body);
  const object = requireString(payload, "object");
  const to = requireString(payload, "to");
  const ctx = controlContext();
  const activity = new Kind({
    id: new URL(`${actorUri().href}/reactions/${randomUUID()}`),
    actor: actorUri(),
    object: new URL(object),
    to: PUBLIC_COLLECTION,
    ccs: [new URL(to)],
  });
  reactions.set(activity.id.href, activity);
  await sendToActor(ctx, to, activity);
  return json(200, { activity_id: activity.id.href });
}

async function handleControl(url, method, body) {
  const route = controlRoutes[`${method} ${url.pathname}`];
  if (route == null) return json(404, { error: `no control route ${method} ${url.pathname}` });
  try {
    return await route(url, body);
  } catch (error) {
    if (error instanceof ControlError) return json(error.status, { error: error.message, ...error.extra });
    logger.error("Control API error on {path}: {error}", { path: url.pathname, error });
    return json(500, { error: String(error?.stack ?? error) });
  }
}

// ---------------------------------------------------------------------------

function shutdown() {
  server.close();
  server.closeAllConnections?.();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

logger.info("Fedify peer listening at {origin} (firstKnock={firstKnock}, autoAccept={autoAccept}).", {
  origin,
  firstKnock,
  autoAccept,
});
process.stdout.write(`READY ${port}\n`);
