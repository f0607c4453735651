import { describe, expect, it } from 'vitest';
import { ConfigError, GodwitError, IngestError, UnsupportedMediaError } from '../core/errors.ts';
import {
  buildDocx,
  buildDocxBomb,
  buildImageOnlyPdf,
  buildPdf,
  buildXlsx,
  buildZip,
} from './fixtures/sample-files.ts';
import { createDocumentParser, SUPPORTED_EXTENSIONS } from './index.ts';

const encoder = new TextEncoder();
const parser = createDocumentParser();

async function failure(promise: Promise<unknown>): Promise<GodwitError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!GodwitError.isInstance(error)) throw new Error(`expected a GodwitError, got ${String(error)}`);
  return error;
}

describe('createDocumentParser bad input', () => {
  it('refuses a corrupt PDF, naming the file and the fix', async () => {
    const bytes = encoder.encode('%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis is not really a pdf');
    const error = await failure(parser.parse({ source: 'broken.pdf', bytes }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain('broken.pdf');
    expect(error.message).toMatch(/corrupt|not a readable PDF/);
  });

  it('refuses a truncated PDF', async () => {
    const bytes = await buildPdf([{ paragraphs: ['Some text that will be cut off.'] }]);
    const error = await failure(parser.parse({ source: 'cut.pdf', bytes: bytes.subarray(0, 200) }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain('cut.pdf');
  });

  it('says a scanned PDF has no text layer and that OCR is not supported', async () => {
    const error = await failure(parser.parse({ source: 'scan.pdf', bytes: await buildImageOnlyPdf() }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain('scan.pdf');
    expect(error.message).toContain('no text layer');
    expect(error.message).toContain('OCR is not supported');
  });

  it('says a password-protected PDF needs its password removed', async () => {
    const bytes = await buildPdf([{ paragraphs: ['Secret salaries.'] }], { userPassword: 'hunter2' });
    const error = await failure(parser.parse({ source: 'locked.pdf', bytes }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain('locked.pdf is password-protected');
  });

  it('refuses a corrupt DOCX (random bytes with the extension)', async () => {
    const bytes = encoder.encode('PK\u0003\u0004 definitely not a complete zip archive');
    const error = await failure(parser.parse({ source: 'notes.docx', bytes }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain('notes.docx is not a valid .docx file');
    expect(error.message).toContain('save it again');
  });

  it('refuses a zip that is not a Word document', async () => {
    const bytes = buildZip([{ name: 'readme.txt', text: 'hello' }]);
    const error = await failure(parser.parse({ source: 'fake.docx', bytes }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain('fake.docx could not be read as a Word document');
  });

  it('refuses a truncated DOCX', async () => {
    const bytes = await buildDocx([{ text: 'A paragraph.' }]);
    const error = await failure(
      parser.parse({ source: 'half.docx', bytes: bytes.subarray(0, bytes.length - 40) }),
    );
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain('half.docx');
  });

  it('refuses a corrupt XLSX', async () => {
    const good = await buildXlsx([{ name: 'Sheet1', rows: [['a'], ['b']] }]);
    const bytes = good.slice();
    bytes.fill(0x41, 100, 600);
    const error = await failure(parser.parse({ source: 'budget.xlsx', bytes }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain('budget.xlsx');
    expect(error.message).toMatch(/save it again as \.xlsx/);
  });

  it('refuses an encrypted or legacy Office file named .xlsx', async () => {
    const bytes = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, ...new Array(504).fill(0)]);
    const error = await failure(parser.parse({ source: 'payroll.xlsx', bytes }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain(
      'payroll.xlsx is password-protected or saved in the old binary Office format',
    );
  });

  it('refuses a zip bomb disguised as .docx before inflating it', async () => {
    const bytes = buildDocxBomb(300 * 1024 * 1024);
    expect(bytes.length).toBeLessThan(1024 * 1024);
    const error = await failure(parser.parse({ source: 'bomb.docx', bytes }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain('bomb.docx');
    expect(error.message).toContain('zip bomb');
    expect(error.details).toMatchObject({ reason: 'zip_bomb' });
  });

  it('refuses a highly compressed part even under the total limit', async () => {
    const bytes = buildDocxBomb(64 * 1024 * 1024);
    const error = await failure(parser.parse({ source: 'dense.docx', bytes }));
    expect(error.message).toContain('dense.docx contains a part (word/document.xml) that expands');
  });

  it('refuses a zip whose headers understate what it inflates to', async () => {
    const bytes = buildDocxBomb(4 * 1024 * 1024, 1000);
    const error = await failure(parser.parse({ source: 'liar.docx', bytes }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain(
      'liar.docx contains a part (word/document.xml) that expands beyond the size it declares',
    );
  });

  it('applies maxUncompressedBytes to spreadsheets too', async () => {
    const bytes = await buildXlsx([
      { name: 'Data', rows: [['Key'], ...Array.from({ length: 500 }, (_, i) => [`row ${i}`])] },
    ]);
    const small = createDocumentParser({ maxUncompressedBytes: 4096 });
    const error = await failure(small.parse({ source: 'rows.xlsx', bytes }));
    expect(error.message).toContain('rows.xlsx expands to');
    expect(error.message).toContain('maxUncompressedBytes');
  });

  it('refuses a binary file named .txt', async () => {
    const bytes = new Uint8Array(2048);
    for (let index = 0; index < bytes.length; index++) bytes[index] = (index * 73 + 11) % 256;
    const error = await failure(parser.parse({ source: 'photo.txt', bytes }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain('photo.txt looks like a binary file');
    expect(error.message).toContain('NUL bytes');
  });

  it('refuses a text file full of control characters even without NUL bytes', async () => {
    const bytes = new Uint8Array(1000).map((_, index) => (index % 3 === 0 ? 0x01 : 0x61));
    const error = await failure(parser.parse({ source: 'dump.md', bytes }));
    expect(error.message).toContain('dump.md looks like a binary file');
    expect(error.message).toContain('control characters');
  });

  it('refuses a 0-byte file', async () => {
    const error = await failure(parser.parse({ source: 'empty.md', bytes: new Uint8Array() }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain('empty.md is empty (0 bytes) and has no text');
  });

  it.each([
    ['blank.txt', ' \n\n \t \n'],
    ['blank.md', '<!-- nothing yet -->\n\n'],
    ['blank.html', '<html><head><title></title><script>var a = 1;</script></head><body> </body></html>'],
    ['blank.csv', '\n,,\n\n'],
    ['blank.json', '{}'],
  ])('says %s has no text', async (source, content) => {
    const error = await failure(parser.parse({ source, bytes: encoder.encode(content) }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain(`${source} has no text`);
  });

  it('says an empty workbook has no text', async () => {
    const bytes = await buildXlsx([{ name: 'Empty', rows: [] }]);
    const error = await failure(parser.parse({ source: 'empty.xlsx', bytes }));
    expect(error.message).toContain('empty.xlsx has no text');
  });

  it('refuses invalid UTF-8 and says to re-save as UTF-8', async () => {
    // "café" in Windows-1252: é is the lone byte 0xE9, which is not valid UTF-8.
    const bytes = new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6d, 0x65, 0x6e, 0x75, 0x0a]);
    for (const source of ['menu.txt', 'menu.md', 'menu.csv', 'menu.html', 'menu.json']) {
      const error = await failure(parser.parse({ source, bytes }));
      expect(error).toBeInstanceOf(IngestError);
      expect(error.message).toContain(`${source} is not valid UTF-8`);
      expect(error.message).toContain('Re-save it as UTF-8');
    }
  });

  it('refuses a file over maxFileBytes without reading it', async () => {
    const small = createDocumentParser({ maxFileBytes: 1024 });
    const error = await failure(small.parse({ source: 'huge.md', bytes: new Uint8Array(1025).fill(0x61) }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain('huge.md is 1.0 KiB, over the 1.0 KiB limit');
    expect(error.details).toMatchObject({ reason: 'too_large', limit: 1024 });
  });

  it('refuses an unknown extension and lists the supported ones', async () => {
    const error = await failure(parser.parse({ source: 'slides.pptx', bytes: encoder.encode('hello') }));
    expect(error).toBeInstanceOf(UnsupportedMediaError);
    expect(error.message).toContain('slides.pptx has an unsupported file type (.pptx)');
    for (const extension of SUPPORTED_EXTENSIONS) expect(error.message).toContain(extension);
  });

  it('points old .doc files at Save As .docx', async () => {
    const bytes = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);
    const error = await failure(parser.parse({ source: 'memo.doc', bytes }));
    expect(error).toBeInstanceOf(UnsupportedMediaError);
    expect(error.message).toContain('must be saved as .docx or .xlsx');
  });

  it('refuses malformed JSON, naming the file', async () => {
    const error = await failure(parser.parse({ source: 'config.json', bytes: encoder.encode('{"a": 1,,}') }));
    expect(error).toBeInstanceOf(IngestError);
    expect(error.message).toContain('config.json is not valid JSON');
  });

  it('refuses a CSV with an unterminated quote, naming the line', async () => {
    const bytes = encoder.encode('Name,Note\nAna,"fine"\nBo,"never closed\nCy,ok\n');
    const error = await failure(parser.parse({ source: 'people.csv', bytes }));
    expect(error.message).toContain('people.csv is not valid CSV');
    expect(error.message).toContain('line 3');
  });
});

describe('createDocumentParser options', () => {
  it('rejects nonsensical chunk sizes with a ConfigError naming the option', () => {
    expect(() => createDocumentParser({ maxChunkTokens: 0 })).toThrow(ConfigError);
    expect(() => createDocumentParser({ maxChunkTokens: 100, chunkOverlapTokens: 80 })).toThrow(
      /chunkOverlapTokens/,
    );
    expect(() => createDocumentParser({ maxFileBytes: -1 })).toThrow(/maxFileBytes/);
  });

  it('lists its supported extensions', () => {
    expect(parser.supportedExtensions).toEqual(
      expect.arrayContaining([
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
      ]),
    );
  });

  it('uses content over the name for binary containers and the declared type when the name says nothing', async () => {
    const pdf = await buildPdf([{ paragraphs: ['Mislabelled but real.'] }]);
    const parsedPdf = await parser.parse({ source: 'report.txt', bytes: pdf });
    expect(parsedPdf.mimeType).toBe('application/pdf');
    const parsedHtml = await parser.parse({
      source: 'https://intranet.example/handbook',
      bytes: encoder.encode('<h1>Handbook</h1><p>Welcome aboard.</p>'),
      mimeType: 'text/html; charset=utf-8',
    });
    expect(parsedHtml.mimeType).toBe('text/html');
    expect(parsedHtml.chunks[0]?.text).toBe('Handbook\nWelcome aboard.');
  });

  it('does not write to stdout while parsing any format', async () => {
    const files: Array<[string, Uint8Array]> = [
      ['a.pdf', await buildPdf([{ paragraphs: ['Quiet please.'] }])],
      ['b.docx', await buildDocx([{ heading: 1, text: 'Quiet' }, { text: 'Please.' }])],
      ['c.xlsx', await buildXlsx([{ name: 'S', rows: [['h'], ['v']] }])],
      ['d.md', encoder.encode('# Quiet\n\nPlease.')],
    ];
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (write as (...values: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      for (const [source, bytes] of files) await parser.parse({ source, bytes });
      await failure(parser.parse({ source: 'bad.pdf', bytes: encoder.encode('%PDF-1.4 garbage') }));
    } finally {
      process.stdout.write = write;
    }
    expect(written).toEqual([]);
  });
});
