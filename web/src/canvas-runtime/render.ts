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

function renderComponent(component: Component, ctx: RenderContext, form: HTMLFormElement): Node {
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
      button.disabled = ctx.readOnly || !NAME.test(id);
      button.addEventListener('click', () => ctx.onAction(id, formValues(form)));
      return button;
    }
    case 'input': {
      const input = el('input');
      input.name = NAME.test(text(component.name)) ? text(component.name) : '';
      input.placeholder = text(component.placeholder);
      input.value = text(component.value);
      input.disabled = ctx.readOnly;
      return labelled(text(component.label) || input.name, input);
    }
    case 'select': {
      const select = el('select');
      select.name = NAME.test(text(component.name)) ? text(component.name) : '';
      for (const option of strings(component.options)) select.append(new Option(option, option));
      select.disabled = ctx.readOnly;
      return labelled(text(component.label) || select.name, select);
    }
    default:
      return el('p', `unsupported component: ${text(component.type).slice(0, 40)}`, 'note');
  }
}

function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  for (const control of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input[name], select[name]')) {
    if (control.name) values[control.name] = control.value;
  }
  return values;
}

/** Replaces `root`'s content with the state's components. */
export function renderState(root: HTMLElement, state: Record<string, unknown>, ctx: RenderContext): void {
  const form = el('form');
  form.addEventListener('submit', (event) => event.preventDefault());
  if (typeof state.title === 'string') form.append(el('h1', state.title));
  const components = Array.isArray(state.components) ? (state.components as unknown[]).slice(0, MAX_COMPONENTS) : [];
  for (const component of components) {
    if (component !== null && typeof component === 'object') form.append(renderComponent(component as Component, ctx, form));
  }
  if (ctx.readOnly) form.append(el('p', 'This canvas is closed.', 'note closed'));
  root.replaceChildren(form);
}
