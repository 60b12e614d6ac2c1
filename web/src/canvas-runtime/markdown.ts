// A small markdown subset (headings, paragraphs, lists, emphasis, code, http(s) links) built as DOM nodes: raw HTML stays text.

/** Inline spans: `code`, **bold**, *italic*, [text](https://…); everything else is text. */
function appendInline(parent: HTMLElement, text: string): void {
  const pattern = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parent.append(text.slice(last, match.index));
    const [, code, bold, italic, label, href] = match;
    if (code !== undefined) parent.append(element('code', code));
    else if (bold !== undefined) parent.append(element('strong', bold));
    else if (italic !== undefined) parent.append(element('em', italic));
    else if (label !== undefined) parent.append(link(label, href ?? ''));
    last = match.index + match[0].length;
  }
  if (last < text.length) parent.append(text.slice(last));
}

/** Only absolute http(s) URLs become links (never javascript:, data: or relative ones); they open outside the frame. */
function link(label: string, href: string): Node {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return document.createTextNode(label);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return document.createTextNode(label);
  const anchor = element('a', label) as HTMLAnchorElement;
  anchor.href = url.href;
  anchor.rel = 'noopener noreferrer';
  anchor.target = '_blank';
  return anchor;
}

function element(tag: string, text: string): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}

/** The markdown as a fragment of elements whose text is always set as text. */
export function renderMarkdown(source: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  let list: HTMLElement | null = null;
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) {
      const p = document.createElement('p');
      appendInline(p, paragraph.join(' '));
      fragment.append(p);
      paragraph = [];
    }
  };
  for (const line of source.split(/\r?\n/)) {
    const heading = /^(#{1,3})\s+(.*)$/.exec(line);
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      list = null;
      const h = document.createElement(`h${(heading[1] as string).length + 2}`);
      appendInline(h, heading[2] as string);
      fragment.append(h);
    } else if (item) {
      flush();
      if (!list) fragment.append((list = document.createElement('ul')));
      const li = document.createElement('li');
      appendInline(li, item[1] as string);
      list.append(li);
    } else if (line.trim() === '') {
      flush();
      list = null;
    } else {
      list = null;
      paragraph.push(line.trim());
    }
  }
  flush();
  return fragment;
}
