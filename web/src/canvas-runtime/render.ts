// Renders a canvas state with the declarative component set; text always goes in as text, never as HTML.
import { renderChart } from './chart';
import { renderMarkdown } from './markdown';

export interface RenderContext {
  /** The URL of a bundle asset (paths are checked; nothing else is ever loaded). */
  assetUrl(path: string): string;
  /** A button was pressed: its id and the values of the canvas's inputs. */
  onAction(action: string, values: Record<string, string>): void;
  readOnly: boolean;
}

type Component = Record<string, unknown>;

const ASSET_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}(\/[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}){0,3}$/;
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_COMPONENTS = 500;

const text = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '');
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(text) : []);
const numbers = (value: unknown): number[] => (Array.isArray(value) ? value.map((item) => (typeof item === 'number' ? item : Number(item))) : []);

function el<K extends keyof HTMLElementTagNameMap>(tag: K, content?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (content !== undefined) node.textContent = content;
  if (className) node.className = className;
  return node;
}

function labelled(label: string, control: HTMLElement): HTMLElement {
  const wrapper = el('label', undefined, 'field');
  wrapper.append(el('span', label), control);
  return wrapper;
}

/** A button pressed (or Enter for it): its action with the values of the form's fields. */
function sendAction(button: HTMLButtonElement, ctx: RenderContext): void {
  if (button.disabled || !button.form) return;
  ctx.onAction(button.value, formValues(button.form));
}

function renderComponent(component: Component, ctx: RenderContext): Node {
  switch (component.type) {
    case 'heading': {
      const level = Math.min(Math.max(Number(component.level) || 2, 1), 4);
      return el(`h${level}` as 'h2', text(component.text));
    }
    case 'text':
      return el('p', text(component.text));
    case 'markdown': {
      const div = el('div', undefined, 'markdown');
      div.append(renderMarkdown(text(component.text)));
      return div;
    }
    case 'kv': {
      const dl = el('dl', undefined, 'kv');
      for (const item of Array.isArray(component.items) ? (component.items as Component[]) : []) dl.append(el('dt', text(item?.key)), el('dd', text(item?.value)));
      return dl;
    }
    case 'table': {
      const table = el('table');
      const head = table.createTHead().insertRow();
      for (const column of strings(component.columns)) head.append(el('th', column));
      const body = table.createTBody();
      for (const row of Array.isArray(component.rows) ? (component.rows as unknown[]) : []) {
        const tr = body.insertRow();
        for (const cell of Array.isArray(row) ? row : []) tr.insertCell().textContent = text(cell);
      }
      return table;
    }
    case 'line_chart':
    case 'bar_chart':
      return renderChart({ kind: component.type === 'bar_chart' ? 'bar' : 'line', labels: strings(component.labels), values: numbers(component.values), title: text(component.title) });
    case 'progress': {
      const progress = el('progress');
      progress.max = Number(component.max) > 0 ? Number(component.max) : 100;
      progress.value = Math.max(0, Number(component.value) || 0);
      return labelled(text(component.label), progress);
    }
    case 'image': {
      const path = text(component.asset);
      if (!ASSET_PATH.test(path)) return el('p', 'image: not a bundle asset', 'note');
      const img = el('img');
      img.alt = text(component.alt);
      img.src = ctx.assetUrl(path);
      return img;
    }
    case 'button': {
      const id = text(component.id);
      const button = el('button', text(component.label) || id);
      button.type = 'button';
      button.value = id;
      button.disabled = ctx.readOnly || !NAME.test(id);
      button.addEventListener('click', () => sendAction(button, ctx));
      return button;
    }
    case 'input': {
      const input = el('input');
      input.name = NAME.test(text(component.name)) ? text(component.name) : '';
      input.placeholder = text(component.placeholder);
      input.value = text(component.value);
      input.dataset.initial = input.value;
      input.disabled = ctx.readOnly;
      return labelled(text(component.label) || input.name, input);
    }
    case 'select': {
      const select = el('select');
      select.name = NAME.test(text(component.name)) ? text(component.name) : '';
      for (const option of strings(component.options)) select.append(new Option(option, option));
      if (strings(component.options).includes(text(component.value))) select.value = text(component.value);
      select.dataset.initial = select.value;
      select.disabled = ctx.readOnly;
      return labelled(text(component.label) || select.name, select);
    }
    default:
      return el('p', `unsupported component: ${text(component.type).slice(0, 40)}`, 'note');
  }
}

type Control = HTMLInputElement | HTMLSelectElement;

const controls = (form: HTMLFormElement | null): Control[] => (form ? [...form.querySelectorAll<Control>('input[name], select[name]')].filter((control) => control.name) : []);

function formValues(form: HTMLFormElement): Record<string, string> {
  return Object.fromEntries(controls(form).map((control) => [control.name, control.value]));
}

/**
 * Carries what the person typed or chose from the old form into the new one: a field keeps its edited
 * value unless the new version gives that field a different value (then the agent's wins), and the
 * focused field keeps focus and caret, so a version arriving mid-typing loses nothing.
 */
function carryEdits(from: HTMLFormElement | null, to: HTMLFormElement): () => void {
  const focused = document.activeElement;
  const edits = new Map(controls(from).filter((control) => control.value !== control.dataset.initial).map((control) => [control.name, control]));
  for (const control of controls(to)) {
    const edited = edits.get(control.name);
    if (edited && edited.dataset.initial === control.dataset.initial && edited.tagName === control.tagName) control.value = edited.value;
  }
  if (!(focused instanceof HTMLInputElement || focused instanceof HTMLSelectElement) || !focused.name || focused.form !== from) return () => undefined;
  const next = controls(to).find((control) => control.name === focused.name && control.tagName === focused.tagName);
  const caret = focused instanceof HTMLInputElement ? { start: focused.selectionStart, end: focused.selectionEnd } : null;
  // Run once `to` is in the document: focus on a detached element does nothing.
  return () => {
    if (!next || next.disabled) return;
    next.focus();
    if (next instanceof HTMLInputElement && caret?.start != null && caret.end != null) next.setSelectionRange(caret.start, caret.end);
  };
}

/** Replaces `root`'s content with the state's components, keeping the person's unsent edits. */
export function renderState(root: HTMLElement, state: Record<string, unknown>, ctx: RenderContext): void {
  const form = el('form');
  // The frame's sandbox has no allow-forms, so a form never submits; Enter in a text field presses the
  // form's first button instead, as implicit submission would in an ordinary page.
  form.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.isComposing || !(event.target instanceof HTMLInputElement)) return;
    event.preventDefault();
    const first = form.querySelector('button');
    if (first) sendAction(first, ctx);
  });
  if (typeof state.title === 'string') form.append(el('h1', state.title));
  const components = Array.isArray(state.components) ? (state.components as unknown[]).slice(0, MAX_COMPONENTS) : [];
  for (const component of components) {
    if (component !== null && typeof component === 'object') form.append(renderComponent(component as Component, ctx));
  }
  if (ctx.readOnly) form.append(el('p', 'This canvas is closed.', 'note closed'));
  const restoreFocus = carryEdits(root.querySelector('form'), form);
  root.replaceChildren(form);
  restoreFocus();
}
