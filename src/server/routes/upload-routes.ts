/**
 * Direct uploads, for deployments whose requests cannot carry large files (AWS Lambda stops at 6 MB):
 * `GET /api/uploads` says how files are sent here; `POST /api/knowledge-bases/{name}/uploads` hands out a
 * presigned PUT for `incoming/<tenant>/<knowledge-base>/<id>/<filename>`, which the Ingest function picks up
 * (S3 → SQS); `GET …/uploads/{id}` follows it until the document is ready or failed.
 */
import { createRoute } from '@hono/zod-openapi';
import {
  ConflictError,
  PayloadTooLargeError,
  UnsupportedMediaError,
  ValidationError,
} from '../../core/errors.ts';
import { newUploadId, UPLOAD_ID_PATTERN, uploadFolder } from '../../core/knowledge/direct-upload-key.ts';
import type { DirectUploadStore } from '../../core/ports.ts';
import type { GodwitServices } from '../../core/services.ts';
import { extensionOf, FORMATS, type FormatSpec } from '../../ingest/media-types.ts';
import type { DirectUploadSettings, GodwitApp } from '../app-env.ts';
import { errorResponse } from '../schemas/common-schemas.ts';
import { KnowledgeBaseParamsSchema } from '../schemas/knowledge-schemas.ts';
import {
  CreateUploadSchema,
  SignedUploadSchema,
  UnchangedUploadSchema,
  UploadParamsSchema,
  UploadSettingsSchema,
  UploadStatusSchema,
} from '../schemas/upload-schemas.ts';
import { documentView } from '../views.ts';

const tags = ['knowledge'];

const settingsRoute = createRoute({
  method: 'get',
  path: '/api/uploads',
  tags,
  summary: 'How files are uploaded to this server: as multipart requests, or directly to object storage',
  responses: {
    200: {
      description: 'Upload settings',
      content: { 'application/json': { schema: UploadSettingsSchema } },
    },
  },
});

const createUploadRoute = createRoute({
  method: 'post',
  path: '/api/knowledge-bases/{name}/uploads',
  tags,
  summary: 'Get a presigned PUT that sends one file straight to object storage, for ingestion',
  request: {
    params: KnowledgeBaseParamsSchema,
    body: { required: true, content: { 'application/json': { schema: CreateUploadSchema } } },
  },
  responses: {
    200: {
      description: 'Nothing to upload: a ready document of this source has the same SHA-256',
      content: { 'application/json': { schema: UnchangedUploadSchema } },
    },
    201: { description: 'Signed', content: { 'application/json': { schema: SignedUploadSchema } } },
    400: errorResponse('A bad file name, size or media type'),
    404: errorResponse('Unknown knowledge base'),
    409: errorResponse('This server takes multipart uploads only (see GET /api/uploads)'),
    413: errorResponse('The file is larger than server.maxUploadBytes'),
    415: errorResponse('A file type the parser does not read'),
  },
});

const statusRoute = createRoute({
  method: 'get',
  path: '/api/knowledge-bases/{name}/uploads/{id}',
  tags,
  summary: 'Follow a direct upload until its document is ready or failed',
  request: { params: UploadParamsSchema },
  responses: {
    200: {
      description: 'Where the upload is',
      content: { 'application/json': { schema: UploadStatusSchema } },
    },
    400: errorResponse('Not an upload id'),
    404: errorResponse('Unknown knowledge base'),
    409: errorResponse('This server takes multipart uploads only'),
  },
});

export function registerUploadRoutes(
  app: GodwitApp,
  services: GodwitServices,
  options: { maxUploadBytes: number; directUploads: DirectUploadSettings | undefined },
): void {
  const direct = options.directUploads;
  const prefix = direct?.prefix ?? 'incoming/';

  app.openapi(settingsRoute, (c) =>
    c.json(
      {
        direct: direct !== undefined,
        maxUploadBytes: options.maxUploadBytes,
        maxRequestBytes: direct?.maxRequestBytes ?? null,
      },
      200,
    ),
  );

  app.openapi(createUploadRoute, async (c) => {
    const store = requireDirect(direct);
    const { name } = c.req.valid('param');
    const body = c.req.valid('json');
    const filename = checkFilename(body.filename);
    checkSize(body.bytes, options.maxUploadBytes);
    const contentType = contentTypeFor(filename, body.contentType);
    // Tenant ids are 1-128 of letters, digits and . _ : @ - (core/auth): always one key segment.
    const tenantId = c.var.tenantId;
    const knowledgeBase = await services.knowledge.requireKnowledgeBase(tenantId, name);
    const existing = await services.knowledgeStore.findDocumentBySource(tenantId, knowledgeBase.id, filename);
    if (body.sha256) {
      if (existing?.status === 'ready' && existing.sha256 === body.sha256) {
        return c.json(
          { status: 'unchanged' as const, source: filename, document: documentView(existing) },
          200,
        );
      }
    }
    const id = newUploadId();
    const key = `${uploadFolder(prefix, tenantId, name, id)}${filename}`;
    const signed = await store.signUpload({
      key,
      contentType,
      bytes: body.bytes,
      expiresInSeconds: direct?.expiresInSeconds ?? 900,
    });
    return c.json(
      {
        id,
        source: filename,
        key,
        method: signed.method,
        url: signed.url,
        headers: signed.headers,
        bytes: body.bytes,
        expiresAt: signed.expiresAt.toISOString(),
        statusUrl: `/api/knowledge-bases/${encodeURIComponent(name)}/uploads/${id}`,
        // Told now: once ingested, a new document and a replaced one look alike (both were just written).
        replaces: existing !== undefined,
      },
      201,
    );
  });

  app.openapi(statusRoute, async (c) => {
    const store = requireDirect(direct);
    const { name, id } = c.req.valid('param');
    if (!UPLOAD_ID_PATTERN.test(id)) {
      throw new ValidationError(
        `"${id}" is not an upload id; use the id POST /api/knowledge-bases/${name}/uploads returned.`,
      );
    }
    const tenantId = c.var.tenantId;
    const knowledgeBase = await services.knowledge.requireKnowledgeBase(tenantId, name);
    const folder = uploadFolder(prefix, tenantId, name, id);
    const object = await store.findUpload(folder);
    if (!object) {
      return c.json(
        { id, status: 'awaiting-upload' as const, source: null, bytes: null, document: null },
        200,
      );
    }
    const source = object.key.slice(folder.length);
    const document = await services.knowledgeStore.findDocumentBySource(tenantId, knowledgeBase.id, source);
    // The document reflects this upload once it points at the object, or changed after it arrived.
    const current =
      document && (document.blobKey?.endsWith(object.key) || document.updatedAt >= object.lastModified);
    return c.json(
      {
        id,
        status: current ? document.status : ('queued' as const),
        source,
        bytes: object.bytes,
        document: current ? documentView(document) : null,
      },
      200,
    );
  });
}

function requireDirect(direct: DirectUploadSettings | undefined): DirectUploadStore {
  if (!direct) {
    throw new ConflictError(
      'This server takes files as multipart uploads: POST them to /api/knowledge-bases/{name}/documents (GET /api/uploads says how to upload).',
    );
  }
  return direct.store;
}

/** A file name, optionally in folders (`policies/leave.pdf`); the whole path becomes the document source. */
function checkFilename(filename: string): string {
  const invalid = (reason: string) =>
    new ValidationError(`filename: ${reason}`, { details: { field: 'filename' } });
  if (filename.trim() !== filename) {
    throw invalid(`"${filename}" has leading or trailing spaces; send the name without them.`);
  }
  if (filename.includes('\\')) {
    throw invalid(`"${filename}" has a backslash; separate folders with "/", e.g. "policies/leave.pdf".`);
  }
  const segments = filename.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw invalid(
      `"${filename}" has an empty, "." or ".." folder; send a relative path such as "policies/leave.pdf".`,
    );
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
  if (/[\u0000-\u001f\u007f]/.test(filename)) {
    throw invalid('the name has a control character; rename the file.');
  }
  return filename;
}

function checkSize(bytes: number, maxUploadBytes: number): void {
  if (bytes < 1) {
    throw new ValidationError(`bytes: the file is empty (${bytes} bytes); choose a file with content.`, {
      details: { field: 'bytes' },
    });
  }
  if (bytes > maxUploadBytes) {
    throw new PayloadTooLargeError(
      `The file is ${bytes} bytes; the limit is ${maxUploadBytes} (server.maxUploadBytes). Split the file or raise the limit.`,
    );
  }
}

/** The media type the PUT is signed for: the declared one if it names the file's format, else the format's. */
function contentTypeFor(filename: string, declared: string | undefined): string {
  const extension = extensionOf(filename);
  const format: FormatSpec | undefined = FORMATS.find((candidate) =>
    candidate.extensions.includes(extension),
  );
  if (!format) {
    const supported = FORMATS.flatMap((candidate) => candidate.extensions).join(', ');
    throw new UnsupportedMediaError(
      `"${filename}" is not a file type Godwit reads (${extension || 'no extension'}); upload one of ${supported}.`,
    );
  }
  const type = declared?.split(';')[0]?.trim().toLowerCase();
  if (!type || type === 'application/octet-stream') return format.mimeType;
  if (type === format.mimeType || format.aliases?.includes(type)) return type;
  throw new ValidationError(
    `contentType: "${declared}" does not match "${filename}" (${format.mimeType}); send ${format.mimeType} or leave it out.`,
    { details: { field: 'contentType' } },
  );
}
