/**
 * A rehype plugin that highlights fenced code with a small set of highlight.js grammars (a language named
 * on the fence, else the best guess among them). Unknown languages stay plain text.
 */

import type { Element, ElementContent, Root, RootContent } from 'hast';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { createLowlight } from 'lowlight';

const lowlight = createLowlight({
  bash,
  css,
  go,
  java,
  javascript,
  json,
  python,
  sql,
  typescript,
  xml,
  yaml,
});

function textOf(node: ElementContent): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(textOf).join('');
  return '';
}

function languageOf(code: Element): string | null {
  const classes = code.properties.className;
  const list = Array.isArray(classes) ? classes.map(String) : [];
  const named = list.find((name) => name.startsWith('language-'));
  return named ? named.slice('language-'.length) : null;
}

function highlight(code: Element): void {
  const text = code.children.map(textOf).join('');
  const language = languageOf(code);
  const tree =
    language && lowlight.registered(language)
      ? lowlight.highlight(language, text)
      : language
        ? null
        : lowlight.highlightAuto(text);
  if (!tree || (tree.data?.relevance ?? 1) === 0) return;
  code.children = tree.children as ElementContent[];
  const classes = Array.isArray(code.properties.className) ? code.properties.className : [];
  code.properties.className = [...classes, 'hljs'];
}

function walk(node: Root | RootContent, parent: Element | null): void {
  if (node.type === 'element') {
    if (node.tagName === 'code' && parent?.tagName === 'pre') highlight(node);
    else for (const child of node.children) walk(child, node);
  } else if (node.type === 'root') {
    for (const child of node.children) walk(child, null);
  }
}

export function highlightCode() {
  return (tree: Root) => walk(tree, null);
}
