/**
 * Ingestion: turns files (Markdown, text, HTML, PDF, DOCX, XLSX, CSV/TSV, JSON/JSONL) into chunks that keep
 * their structure — heading paths, pages, sheets and rows — for the knowledge service to embed and index.
 */
export { createDocumentParser, type DocumentParserOptions } from './document-parser.ts';
export { detectMimeType, SUPPORTED_EXTENSIONS } from './media-types.ts';
export { createParserPool, type ParserPool, type ParserPoolOptions } from './parser-pool.ts';
