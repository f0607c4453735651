/**
 * Markdown as models write it, in Slack's mrkdwn: `**bold**` → `*bold*`, `[text](url)` → `<url|text>`,
 * headings → bold lines; `&`, `<` and `>` escaped as Slack asks
 * (https://api.slack.com/reference/surfaces/formatting#escaping). Code spans and blocks are kept as they are.
 */
export function toSlackMrkdwn(markdown: string): string {
  return markdown
    .split(/(```[\s\S]*?```|`[^`\n]*`)/g)
    .map((segment, position) => (position % 2 === 1 ? escapeText(segment) : convertProse(segment)))
    .join('');
}

export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function convertProse(text: string): string {
  return escapeText(text)
    .replace(
      /\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g,
      (_, label: string, url: string) => `<${url}|${label.replace(/\|/g, '¦')}>`,
    )
    .replace(/\*\*([^*\n]+)\*\*/g, '*$1*')
    .replace(/__([^_\n]+)__/g, '*$1*')
    .replace(/^#{1,6}\s+(.+)$/gm, '*$1*');
}

/** A Slack link to `url` showing `label`. */
export function slackLink(url: string, label: string): string {
  return `<${url}|${escapeText(label).replace(/\|/g, '¦')}>`;
}
