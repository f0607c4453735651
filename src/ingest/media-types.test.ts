import { describe, expect, it } from 'vitest';
import { buildDocx, buildPdf, buildXlsx, buildZip } from './fixtures/sample-files.ts';
import { detectMimeType, SUPPORTED_EXTENSIONS } from './index.ts';
import { extensionOf } from './media-types.ts';

const text = new TextEncoder().encode('hello');

describe('detectMimeType', () => {
  it('names text formats by extension', () => {
    expect(detectMimeType('a/b/Leave.MD', text)).toBe('text/markdown');
    expect(detectMimeType('notes.markdown', text)).toBe('text/markdown');
    expect(detectMimeType('notes.txt', text)).toBe('text/plain');
    expect(detectMimeType('page.htm', text)).toBe('text/html');
    expect(detectMimeType('rows.csv', text)).toBe('text/csv');
    expect(detectMimeType('data.json', text)).toBe('application/json');
    expect(detectMimeType('log.jsonl', text)).toBe('application/x-ndjson');
    expect(detectMimeType('mystery.bin', text)).toBe('application/octet-stream');
  });

  it('recognises PDF, DOCX and XLSX from their content whatever the name', async () => {
    expect(detectMimeType('upload', await buildPdf([{ paragraphs: ['x'] }]))).toBe('application/pdf');
    expect(detectMimeType('upload.bin', await buildDocx([{ text: 'x' }]))).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(detectMimeType('upload.zip', await buildXlsx([{ name: 'S', rows: [['x']] }]))).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(detectMimeType('archive.docx', buildZip([{ name: 'a.txt', text: 'a' }]))).toBe('application/zip');
  });

  it('keeps a text file that mentions %PDF- later on as text', () => {
    expect(detectMimeType('notes.txt', new TextEncoder().encode('Files begin with %PDF-1.7'))).toBe(
      'text/plain',
    );
  });
});

describe('extensionOf', () => {
  it('ignores URL queries and fragments and folders with dots', () => {
    expect(extensionOf('https://example.com/docs/policy.PDF?download=1#page=2')).toBe('.pdf');
    expect(extensionOf('C:\\docs.v2\\README')).toBe('');
    expect(extensionOf('.env')).toBe('');
  });
});

it('SUPPORTED_EXTENSIONS lists every required format with its dot', () => {
  for (const extension of [
    '.md',
    '.markdown',
    '.txt',
    '.html',
    '.htm',
    '.pdf',
    '.docx',
    '.xlsx',
    '.csv',
    '.json',
    '.jsonl',
  ]) {
    expect(SUPPORTED_EXTENSIONS).toContain(extension);
  }
});
