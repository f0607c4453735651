import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quoteIdentifier, readConversationMap } from './conversation-map.ts';

function mapFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'godwit-map-')), 'map.yaml');
  writeFileSync(path, text);
  return path;
}

describe('conversation mapping files', () => {
  it('reads the shipped example with its defaults', () => {
    const map = readConversationMap(
      join(import.meta.dirname, '../../../examples/migrate/conversations.yaml'),
    );
    expect(map).toMatchObject({
      tenant: 'default',
      default_user: 'local',
      conversations: { table: 'conversations', id: 'id', user: 'user_id' },
      messages: {
        table: 'messages',
        conversation: 'conversation_id',
        roles: { human: 'user', ai: 'assistant' },
      },
    });
  });

  it('names the key and the fix when a mapping is wrong', () => {
    expect(() => readConversationMap(mapFile('messages:\n  table: m\n'))).toThrow(/messages\.conversation/);
    expect(() =>
      readConversationMap(mapFile('messages:\n  table: m\n  conversation: c\n  colour: x\n')),
    ).toThrow(/colour/);
    expect(() =>
      readConversationMap(mapFile('messages:\n  table: "m; DROP TABLE x"\n  conversation: c\n')),
    ).toThrow(/must be a column or table name/);
    expect(() =>
      readConversationMap(mapFile('messages:\n  table: m\n  conversation: c\n  roles: { bot: robot }\n')),
    ).toThrow(/messages\.roles\.bot/);
    expect(() => readConversationMap(mapFile('messages: [unclosed'))).toThrow(/Cannot read the mapping file/);
    expect(() => readConversationMap('/nonexistent/map.yaml')).toThrow(/Cannot read the mapping file/);
  });

  it('quotes schema-qualified identifiers part by part', () => {
    expect(quoteIdentifier('chat.messages')).toBe('"chat"."messages"');
  });
});
