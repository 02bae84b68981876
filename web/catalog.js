// @ts-check
/*
 * The catalog browser: plain DOM, no framework. Routes live in the location hash:
 *   #/?q=…&genre=…&sort=…   search (facets, sort, "load more" by cursor)
 *   #/movie/<id>            one movie and its history (history needs a function key)
 *   #/movie/<id>/edit       edit (merge patch with If-Match; 412 offers to reload)
 *   #/new                   create (POST with an Idempotency-Key)
 * Every API error is shown as the problem's title, detail and field messages.
 */
(function () {
  'use strict';
  const API = '/api';
  const KEY_STORAGE = 'movie-catalog.function-key';
  const MPAA = ['G', 'PG', 'PG-13', 'R', 'NC-17', 'Not Rated'];
  const SORTS = [
    ['', 'Best match / title'],
    ['title', 'Title A–Z'],
    ['-title', 'Title Z–A'],
    ['-year', 'Newest first'],
    ['year', 'Oldest first'],
    ['-rating', 'Highest rated'],
    ['rating', 'Lowest rated'],
  ];
  /** Facet keys of the search response -> the filter they drive. Any other key: its singular as the parameter. */
  const FACETS = {
    genres: { param: 'genre', label: 'Genre', multi: true },
    mpaaRatings: { param: 'mpaaRating', label: 'Rating (MPAA)', multi: false },
    decades: { param: 'decade', label: 'Decade', multi: false },
  };
  /** Editable fields, in form order. */
  const FIELDS = [
    { name: 'title', label: 'Title', type: 'text', required: true },
    { name: 'releaseDate', label: 'Release date', type: 'date' },
    { name: 'director', label: 'Director', type: 'text' },
    { name: 'genres', label: 'Genres (comma separated)', type: 'list' },
    { name: 'mpaaRating', label: 'MPAA rating', type: 'mpaa' },
    { name: 'imdbRating', label: 'IMDb rating (0–10)', type: 'number', step: '0.1' },
    { name: 'runtimeMinutes', label: 'Runtime (minutes)', type: 'integer' },
    { name: 'distributor', label: 'Distributor', type: 'text' },
    { name: 'description', label: 'Description', type: 'textarea' },
  ];

  const main = /** @type {HTMLElement} */ (document.getElementById('main'));
  const statusLine = /** @type {HTMLElement} */ (document.getElementById('status'));
  const keyForm = /** @type {HTMLFormElement} */ (document.getElementById('key-form'));
  const keyInput = /** @type {HTMLInputElement} */ (document.getElementById('function-key'));
  const keyForget = /** @type {HTMLButtonElement} */ (document.getElementById('key-forget'));

  /** The newest version this tab wrote per movie: sent as X-Min-Version (read-your-writes). */
  /** @type {Map<string, number>} */
  const written = new Map();
  /** @type {AbortController | undefined} */
  let viewAbort;
  /** A message for the next view (e.g. "Deleted …" after leaving the deleted movie's page). */
  let flash = '';

  // ---- small helpers ------------------------------------------------------------------------------

  /**
   * Creates an element. Text is always set as text, never parsed as HTML.
   * @param {string} tag
   * @param {Record<string, any>} [attrs]
   * @param {...(Node | string | number | null | undefined | false)} children
   * @returns {HTMLElement}
   */
  function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
      else if (name === 'text') el.textContent = String(value);
      else if (value === true) el.setAttribute(name, '');
      else el.setAttribute(name, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      el.append(typeof child === 'object' ? child : String(child));
    }
    return el;
  }

  /** @param {string} text */
  function announce(text) {
    statusLine.textContent = text;
  }

  function functionKey() {
    return sessionStorage.getItem(KEY_STORAGE) ?? '';
  }

  /**
   * Calls the API with the function key when one is set. Never throws for an HTTP status.
   * @param {string} path below /api
   * @param {{ method?: string, headers?: Record<string, string>, body?: unknown, contentType?: string, signal?: AbortSignal }} [init]
   * @returns {Promise<{ status: number, ok: boolean, headers: Headers, body: any }>}
   */
  async function api(path, init = {}) {
    /** @type {Record<string, string>} */
    const headers = { Accept: 'application/json, application/problem+json', ...init.headers };
    const key = functionKey();
    if (key) headers['x-functions-key'] = key;
    let body;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['Content-Type'] = init.contentType ?? 'application/json';
    }
    let response;
    try {
      response = await fetch(`${API}/${path}`, { method: init.method ?? 'GET', headers, body, signal: init.signal });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      return {
        status: 0,
        ok: false,
        headers: new Headers(),
        body: { title: 'The app cannot be reached', detail: String(error) },
      };
    }
    const text = await response.text();
    let parsed;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { title: `Unexpected answer (${response.status})`, detail: text.slice(0, 300) };
    }
    return { status: response.status, ok: response.ok, headers: response.headers, body: parsed };
  }

  /**
   * A problem document as a labelled alert: title, detail and every field message.
   * @param {any} problem
   * @param {...Node} extra
   */
  function problemView(problem, ...extra) {
    const p = problem ?? {};
    const errors = Array.isArray(p.errors) ? p.errors : [];
    return h(
      'div',
      { class: 'problem', role: 'alert' },
      h('h2', { text: p.title ?? 'Something went wrong' }),
      p.detail ? h('p', { text: p.detail }) : null,
      errors.length > 0
        ? h('ul', {}, ...errors.map((/** @type {any} */ e) => h('li', { text: `${fieldLabel(e.path)}: ${e.message}` })))
        : null,
      ...extra,
    );
  }

  /** @param {string} path e.g. body.title, query.yearFrom */
  function fieldLabel(path) {
    const name = String(path ?? '').replace(/^(body|query|header)\./, '');
    const field = FIELDS.find((f) => f.name === name.split('.')[0]);
    return field ? field.label : name || 'request';
  }

  /** @param {any} movie */
  function movieMeta(movie) {
    const parts = [
      movie.year,
      (movie.genres ?? []).join(', '),
      movie.director ? `directed by ${movie.director}` : null,
      movie.mpaaRating,
      movie.imdbRating !== undefined ? `IMDb ${movie.imdbRating}` : null,
    ];
    return parts.filter((x) => x !== undefined && x !== null && x !== '').join(' · ');
  }

  /** @param {string} id */
  const movieHref = (id) => `#/movie/${encodeURIComponent(id)}`;

  /** @param {HTMLElement} view */
  function show(view) {
    main.replaceChildren(view);
  }

  /** @param {string} text */
  function focusHeading(text) {
    const heading = main.querySelector('h2');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
    document.title = `${text} · Movie catalog`;
  }

  // ---- the function key -----------------------------------------------------------------------------

  keyInput.value = functionKey();
  keyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
    announce(key ? 'Function key set.' : 'Function key removed.');
    route();
  });
  keyForget.addEventListener('click', () => {
    keyInput.value = '';
    sessionStorage.removeItem(KEY_STORAGE);
    announce('Function key removed.');
    route();
  });

  // ---- search ---------------------------------------------------------------------------------------

  /**
   * The API query for the UI's parameters (a decade becomes a year range).
   * @param {URLSearchParams} params
   */
  function apiQuery(params) {
    const q = new URLSearchParams();
    for (const [name, value] of params) {
      if (name === 'decade') {
        const start = Number(value);
        q.set('yearFrom', String(start));
        q.set('yearTo', String(start + 9));
      } else if (value !== '') q.append(name, value);
    }
    return q;
  }

  /** @param {URLSearchParams} params */
  function searchHash(params) {
    const text = params.toString();
    return text ? `#/?${text}` : '#/';
  }

  /** @param {URLSearchParams} params */
  function searchView(params) {
    const view = h('section', { 'aria-labelledby': 'search-heading' });
    const heading = h('h2', { id: 'search-heading', class: 'visually-hidden', text: 'Search movies' });
    const form = searchForm(params);
    const facets = h('aside', { class: 'facets', 'aria-label': 'Filters' });
    const results = h('ol', { class: 'results', 'aria-label': 'Movies' });
    const total = h('p', { class: 'total' });
    const more = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', class: 'secondary', hidden: true, text: 'Load more' })
    );
    const problemSlot = h('div');
    const notice = flash ? h('p', { class: 'notice', role: 'status', text: flash }) : null;
    flash = '';
    view.append(
      heading,
      ...(notice ? [notice] : []),
      form,
      problemSlot,
      h('div', { class: 'layout' }, facets, h('div', {}, total, results, h('p', {}, more))),
    );
    show(view);
    document.title = params.get('q') ? `“${params.get('q')}” · Movie catalog` : 'Movie catalog';

    const controller = new AbortController();
    viewAbort = controller;
    /** @type {string | null} */
    let cursor = null;
    /** @param {boolean} append */
    const load = async (append) => {
      const q = apiQuery(params);
      if (append && cursor) q.set('cursor', cursor);
      more.disabled = true;
      announce(append ? 'Loading more…' : 'Searching…');
      let res;
      try {
        res = await api(`movies?${q}`, { signal: controller.signal });
      } catch {
        return;
      }
      more.disabled = false;
      if (!res.ok) {
        problemSlot.replaceChildren(problemView(res.body));
        announce(res.body?.title ?? 'Search failed');
        return;
      }
      problemSlot.replaceChildren();
      const page = res.body;
      if (!append) {
        results.replaceChildren();
        renderFacets(facets, page.facets ?? {}, params);
      }
      for (const movie of page.items) results.append(resultItem(movie));
      cursor = page.nextCursor;
      more.hidden = !cursor;
      const shown = results.children.length;
      total.textContent = `${page.total} ${page.total === 1 ? 'movie' : 'movies'}${shown < page.total ? `, showing ${shown}` : ''}`;
      announce(page.total === 0 ? 'No movies match.' : `Showing ${shown} of ${page.total} movies.`);
    };
    more.addEventListener('click', () => {
      const before = results.children.length;
      void load(true).then(() => {
        const first = /** @type {HTMLElement | undefined} */ (
          results.children[before]?.querySelector('a') ?? undefined
        );
        first?.focus();
      });
    });
    void load(false);
  }

  /** @param {any} movie */
  function resultItem(movie) {
    return h(
      'li',
      {},
      h('h3', {}, h('a', { href: movieHref(movie.id), text: movie.title })),
      h('p', { class: 'meta', text: movieMeta(movie) }),
    );
  }

  /**
   * Every facet the response has, as filters with counts.
   * @param {HTMLElement} target
   * @param {Record<string, Array<{ value: string | number, count: number }>>} facets
   * @param {URLSearchParams} params
   */
  function renderFacets(target, facets, params) {
    target.replaceChildren();
    for (const [key, entries] of Object.entries(facets)) {
      if (!Array.isArray(entries)) continue;
      const known = /** @type {Record<string, { param: string, label: string, multi: boolean }>} */ (FACETS)[key];
      const facet = known ?? { param: key.replace(/s$/, ''), label: key, multi: false };
      const selected = params.getAll(facet.param);
      const values = entries.map((e) => ({ value: String(e.value), count: e.count }));
      for (const value of selected) if (!values.some((v) => v.value === value)) values.push({ value, count: 0 });
      if (values.length === 0) continue;
      const fieldset = h('fieldset', { 'data-facet': key }, h('legend', { text: facet.label }));
      for (const { value, count } of values) {
        const id = `facet-${key}-${value}`.replace(/[^A-Za-z0-9_-]/g, '_');
        const input = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id, name: facet.param, value }));
        input.checked = selected.includes(value);
        input.addEventListener('change', () => {
          const next = new URLSearchParams(params);
          next.delete('cursor');
          if (facet.multi) {
            next.delete(facet.param);
            for (const v of selected.filter((s) => s !== value)) next.append(facet.param, v);
            if (input.checked) next.append(facet.param, value);
          } else if (input.checked) next.set(facet.param, value);
          else next.delete(facet.param);
          location.hash = searchHash(next);
        });
        const text = key === 'decades' ? `${value}s` : value;
        fieldset.append(
          h(
            'label',
            { for: id },
            input,
            h('span', { text }),
            h('span', { class: 'count', text: count, 'aria-label': `${count} movies` }),
          ),
        );
      }
      target.append(fieldset);
    }
  }

  /** @param {URLSearchParams} params */
  function searchForm(params) {
    const input = /** @type {HTMLInputElement} */ (
      h('input', {
        id: 'q',
        name: 'q',
        type: 'search',
        role: 'combobox',
        'aria-autocomplete': 'list',
        'aria-expanded': 'false',
        'aria-controls': 'suggestions',
        autocomplete: 'off',
        value: params.get('q') ?? '',
      })
    );
    const list = h('ul', {
      id: 'suggestions',
      class: 'suggestions',
      role: 'listbox',
      'aria-label': 'Suggestions',
      hidden: true,
    });
    const sort = /** @type {HTMLSelectElement} */ (
      h('select', { id: 'sort', name: 'sort' }, ...SORTS.map(([value, label]) => h('option', { value, text: label })))
    );
    sort.value = params.get('sort') ?? '';
    const form = h(
      'form',
      { class: 'search', role: 'search' },
      h(
        'div',
        { class: 'field combo' },
        h('label', { for: 'q', text: 'Search title, director, description' }),
        input,
        list,
      ),
      h('div', { class: 'field' }, h('label', { for: 'sort', text: 'Sort' }), sort),
      h('button', { type: 'submit', text: 'Search' }),
    );
    const submit = () => {
      const next = new URLSearchParams(params);
      const q = input.value.trim();
      if (q) next.set('q', q);
      else next.delete('q');
      if (sort.value) next.set('sort', sort.value);
      else next.delete('sort');
      if (!q && next.get('sort') === 'relevance') next.delete('sort');
      location.hash = searchHash(next);
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      closeSuggestions();
      submit();
    });
    sort.addEventListener('change', submit);

    /** @type {Array<{ id: string, title: string, year?: number }>} */
    let options = [];
    let active = -1;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    /** @type {AbortController | undefined} */
    let pending;
    function closeSuggestions() {
      list.hidden = true;
      list.replaceChildren();
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      options = [];
      active = -1;
    }
    /** @param {number} index */
    function setActive(index) {
      active = index;
      [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === index)));
      if (index >= 0) input.setAttribute('aria-activedescendant', `suggestion-${index}`);
      else input.removeAttribute('aria-activedescendant');
    }
    /** @param {number} index */
    function choose(index) {
      const option = options[index];
      if (!option) return;
      closeSuggestions();
      location.hash = movieHref(option.id);
    }
    async function suggest() {
      const q = input.value.trim();
      pending?.abort();
      if (q.length < 1) return closeSuggestions();
      pending = new AbortController();
      let res;
      try {
        res = await api(`suggest?${new URLSearchParams({ q: q.slice(0, 100), limit: '8' })}`, {
          signal: pending.signal,
        });
      } catch {
        return;
      }
      if (
        !res.ok ||
        !Array.isArray(res.body?.suggestions) ||
        res.body.suggestions.length === 0 ||
        document.activeElement !== input
      )
        return closeSuggestions();
      options = res.body.suggestions;
      list.replaceChildren(
        ...options.map((s, i) =>
          h(
            'li',
            {
              id: `suggestion-${i}`,
              role: 'option',
              'aria-selected': 'false',
              onmousedown: (/** @type {Event} */ e) => e.preventDefault(),
              onclick: () => choose(i),
            },
            s.title,
            s.year ? ` (${s.year})` : '',
          ),
        ),
      );
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      active = -1;
    }
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => void suggest(), 150);
    });
    input.addEventListener('keydown', (event) => {
      if (list.hidden || options.length === 0) return;
      if (event.key === 'ArrowDown') {
        event.preventDefault();
        setActive((active + 1) % options.length);
      } else if (event.key === 'ArrowUp') {
        event.preventDefault();
        setActive(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === 'Enter' && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === 'Escape') {
        event.preventDefault();
        closeSuggestions();
      }
    });
    input.addEventListener('blur', () => setTimeout(closeSuggestions, 100));
    return form;
  }

  // ---- one movie ------------------------------------------------------------------------------------

  /**
   * GET one movie; X-Min-Version when this tab wrote it, so a save shows at once.
   * @param {string} id
   * @param {AbortSignal} [signal]
   */
  function fetchMovie(id, signal) {
    const min = written.get(id);
    return api(`movies/${encodeURIComponent(id)}`, { headers: min ? { 'X-Min-Version': String(min) } : {}, signal });
  }

  /** @param {string} id */
  async function movieView(id) {
    const controller = new AbortController();
    viewAbort = controller;
    show(h('p', { text: 'Loading…' }));
    let res;
    try {
      res = await fetchMovie(id, controller.signal);
    } catch {
      return;
    }
    if (!res.ok) {
      show(
        h(
          'section',
          {},
          h('h2', { text: 'Movie' }),
          problemView(res.body),
          h('p', {}, h('a', { href: '#/', text: 'Back to the search' })),
        ),
      );
      focusHeading('Movie');
      announce(res.body?.title ?? 'Not found');
      return;
    }
    const movie = res.body;
    const hasKey = functionKey() !== '';
    const rows = [
      ['Year', movie.year],
      ['Release date', movie.releaseDate],
      ['Director', movie.director],
      ['Genres', (movie.genres ?? []).join(', ')],
      ['MPAA rating', movie.mpaaRating],
      [
        'IMDb rating',
        movie.imdbRating !== undefined
          ? `${movie.imdbRating}${movie.imdbVotes ? ` (${movie.imdbVotes} votes)` : ''}`
          : undefined,
      ],
      ['Runtime', movie.runtimeMinutes !== undefined ? `${movie.runtimeMinutes} min` : undefined],
      ['Distributor', movie.distributor],
      ['Description', movie.description],
      ['Version', movie.version],
      ['Updated', movie.updatedAt],
    ].filter(([, v]) => v !== undefined && v !== '');
    const problemSlot = h('div');
    const confirmSlot = h('div');
    const deleteButton = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', class: 'danger', disabled: !hasKey, text: 'Delete' })
    );
    deleteButton.addEventListener('click', () => {
      const really = /** @type {HTMLButtonElement} */ (
        h('button', { type: 'button', class: 'danger', text: `Delete “${movie.title}” for good` })
      );
      const cancel = h('button', {
        type: 'button',
        class: 'secondary',
        text: 'Cancel',
        onclick: () => (confirmSlot.replaceChildren(), deleteButton.focus()),
      });
      really.addEventListener('click', async () => {
        really.disabled = true;
        const answer = await api(`movies/${encodeURIComponent(id)}`, {
          method: 'DELETE',
          headers: { 'If-Match': `"${movie.version}"` },
        });
        if (answer.status === 204) {
          written.set(id, movie.version + 1);
          flash = `Deleted “${movie.title}”.`;
          location.hash = '#/';
          return;
        }
        really.disabled = false;
        problemSlot.replaceChildren(problemView(answer.body, ...(answer.status === 412 ? [reloadButton()] : [])));
      });
      confirmSlot.replaceChildren(h('p', { role: 'group', 'aria-label': 'Confirm delete' }, really, ' ', cancel));
      really.focus();
    });
    const view = h(
      'article',
      { class: 'movie', 'aria-labelledby': 'movie-title' },
      h('p', {}, h('a', { href: lastSearch, text: '← Back to the search' })),
      h('h2', { id: 'movie-title', text: movie.title }),
      h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { 'data-field': String(k), text: v })])),
      h(
        'div',
        { class: 'actions' },
        hasKey
          ? h('a', { href: `${movieHref(id)}/edit`, class: 'button', text: 'Edit' })
          : h('span', { class: 'hint', text: 'Enter a function key to edit or delete.' }),
        deleteButton,
      ),
      confirmSlot,
      problemSlot,
      h(
        'section',
        { 'aria-labelledby': 'history-heading' },
        h('h3', { id: 'history-heading', text: 'History' }),
        await historyView(id, controller.signal),
      ),
    );
    if (controller.signal.aborted) return;
    show(view);
    focusHeading(movie.title);
    announce(
      `${movie.title}, version ${movie.version}${res.headers.get('X-Read-Source') === 'write-store' ? ' (just saved)' : ''}.`,
    );
  }

  function reloadButton() {
    return h(
      'p',
      {},
      h('button', { type: 'button', class: 'secondary', text: 'Reload the current version', onclick: () => route() }),
    );
  }

  /**
   * @param {string} id
   * @param {AbortSignal} signal
   */
  async function historyView(id, signal) {
    if (!functionKey()) return h('p', { class: 'hint', text: 'Enter a function key to see the history.' });
    const body = h('tbody');
    const more = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', class: 'secondary', hidden: true, text: 'Older versions' })
    );
    const slot = h('div');
    /** @type {string | null} */
    let cursor = null;
    const load = async () => {
      const q = new URLSearchParams({ limit: '20' });
      if (cursor) q.set('cursor', cursor);
      let res;
      try {
        res = await api(`movies/${encodeURIComponent(id)}/history?${q}`, { signal });
      } catch {
        return;
      }
      if (!res.ok) {
        slot.replaceChildren(problemView(res.body));
        return;
      }
      for (const entry of res.body.items) {
        body.append(
          h(
            'tr',
            {},
            h('td', { text: entry.version }),
            h('td', { text: entry.type.replace(/^Movie/, '') }),
            h(
              'td',
              {},
              h('time', {
                datetime: entry.occurredAt,
                text: entry.occurredAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'),
              }),
            ),
            h('td', { text: (entry.changed ?? []).join(', ') }),
          ),
        );
      }
      cursor = res.body.nextCursor;
      more.hidden = !cursor;
    };
    more.addEventListener('click', () => void load());
    await load();
    return h(
      'div',
      {},
      slot,
      h(
        'table',
        { class: 'history' },
        h('caption', { class: 'hint', text: 'Newest first' }),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col', text: 'Version' }),
            h('th', { scope: 'col', text: 'Change' }),
            h('th', { scope: 'col', text: 'When' }),
            h('th', { scope: 'col', text: 'Fields' }),
          ),
        ),
        body,
      ),
      more,
    );
  }

  // ---- create and edit ------------------------------------------------------------------------------

  /**
   * The form's value for one field, in the API's type; undefined when empty.
   * @param {HTMLFormElement} form
   * @param {{ name: string, type: string }} field
   */
  function readField(form, field) {
    const el = /** @type {HTMLInputElement} */ (form.elements.namedItem(field.name));
    const raw = el.value.trim();
    if (raw === '') return undefined;
    switch (field.type) {
      case 'list':
        return raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
      case 'number':
      case 'integer': {
        const n = Number(raw);
        return Number.isFinite(n) ? n : raw;
      }
      default:
        return raw;
    }
  }

  /**
   * @param {any | undefined} movie the movie to edit; undefined to create
   */
  function editView(movie) {
    const creating = movie === undefined;
    const titleText = creating ? 'New movie' : `Edit “${movie.title}”`;
    const problemSlot = h('div');
    const form = /** @type {HTMLFormElement} */ (
      h('form', { class: 'edit', novalidate: true, 'aria-labelledby': 'edit-heading' })
    );
    for (const field of FIELDS) {
      const id = `f-${field.name}`;
      const value = movie?.[field.name];
      const text = value === undefined ? '' : Array.isArray(value) ? value.join(', ') : String(value);
      /** @type {HTMLElement} */
      let control;
      const common = { id, name: field.name, 'aria-describedby': `${id}-error`, required: field.required };
      if (field.type === 'textarea') control = h('textarea', { ...common, rows: 4 }, text);
      else if (field.type === 'mpaa') {
        control = h(
          'select',
          common,
          h('option', { value: '', text: '(none)' }),
          ...MPAA.map((r) => h('option', { value: r, text: r, selected: r === text })),
        );
      } else {
        const type =
          field.type === 'date' ? 'date' : field.type === 'number' || field.type === 'integer' ? 'number' : 'text';
        control = h('input', {
          ...common,
          type,
          value: text,
          step: field.type === 'integer' ? '1' : field.step,
          inputmode: field.type === 'number' ? 'decimal' : undefined,
        });
      }
      form.append(
        h(
          'div',
          { class: `field${field.type === 'textarea' ? ' wide' : ''}` },
          h('label', { for: id, text: `${field.label}${field.required ? ' (required)' : ''}` }),
          control,
          h('span', { id: `${id}-error`, class: 'field-error' }),
        ),
      );
    }
    const save = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', text: creating ? 'Create' : 'Save' }));
    form.append(
      h(
        'div',
        { class: 'actions wide' },
        save,
        h('a', { href: creating ? '#/' : movieHref(movie.id), text: 'Cancel' }),
      ),
    );
    const idempotencyKey = crypto.randomUUID();

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
      for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
      problemSlot.replaceChildren();
      /** @type {Record<string, unknown>} */
      const body = {};
      for (const field of FIELDS) {
        const value = readField(form, field);
        if (creating) {
          if (value !== undefined) body[field.name] = value;
        } else if (JSON.stringify(value) !== JSON.stringify(movie[field.name])) {
          body[field.name] = value === undefined ? null : value; // merge patch: null removes
        }
      }
      if (!creating && Object.keys(body).length === 0) {
        announce('Nothing changed.');
        location.hash = movieHref(movie.id);
        return;
      }
      save.disabled = true;
      announce('Saving…');
      const res = creating
        ? await api('movies', { method: 'POST', body, headers: { 'Idempotency-Key': idempotencyKey } })
        : await api(`movies/${encodeURIComponent(movie.id)}`, {
            method: 'PATCH',
            body,
            contentType: 'application/merge-patch+json',
            headers: { 'If-Match': `"${movie.version}"` },
          });
      save.disabled = false;
      if (res.ok) {
        written.set(res.body.id, res.body.version);
        announce(`Saved “${res.body.title}”, version ${res.body.version}.`);
        location.hash = movieHref(res.body.id);
        return;
      }
      const extra = [];
      if (res.status === 412) {
        extra.push(
          h('p', {
            text: `Someone saved this movie after you opened it${res.body?.currentVersion ? ` (now version ${res.body.currentVersion})` : ''}. Reload to edit the current version; your changes here are not saved.`,
          }),
          reloadButton(),
        );
      }
      problemSlot.replaceChildren(problemView(res.body, ...extra));
      for (const e of Array.isArray(res.body?.errors) ? res.body.errors : []) {
        const name = String(e.path ?? '')
          .replace(/^body\./, '')
          .split('.')[0];
        const control = form.querySelector(`#f-${CSS.escape(name ?? '')}`);
        const message = form.querySelector(`#f-${CSS.escape(name ?? '')}-error`);
        if (control && message) {
          control.setAttribute('aria-invalid', 'true');
          message.textContent = e.message;
        }
      }
      announce(res.body?.title ?? 'Not saved');
      /** @type {HTMLElement | null} */ (problemSlot.querySelector('.problem'))?.focus();
    });

    show(h('section', {}, h('h2', { id: 'edit-heading', text: titleText }), problemSlot, form));
    const alert = problemSlot;
    alert.setAttribute('tabindex', '-1');
    focusHeading(titleText);
  }

  /** @param {string} id */
  async function editExisting(id) {
    if (!functionKey()) {
      show(h('section', {}, h('h2', { text: 'Edit' }), h('p', { text: 'Enter a function key (top right) to edit.' })));
      return;
    }
    const res = await fetchMovie(id);
    if (!res.ok) {
      show(h('section', {}, h('h2', { text: 'Edit' }), problemView(res.body)));
      return;
    }
    editView(res.body);
  }

  // ---- routing --------------------------------------------------------------------------------------

  /** @type {string} */
  let lastSearch = '#/';

  function route() {
    viewAbort?.abort();
    const hash = location.hash || '#/';
    const movie = /^#\/movie\/([^/]+)(\/edit)?$/.exec(hash);
    if (movie) {
      const id = decodeURIComponent(movie[1] ?? '');
      if (movie[2]) void editExisting(id);
      else void movieView(id);
      return;
    }
    if (hash === '#/new') {
      if (!functionKey()) {
        show(
          h(
            'section',
            {},
            h('h2', { text: 'New movie' }),
            h('p', { text: 'Enter a function key (top right) to create a movie.' }),
          ),
        );
        focusHeading('New movie');
        return;
      }
      editView(undefined);
      return;
    }
    const query = hash.startsWith('#/?') ? hash.slice(3) : '';
    lastSearch = hash.startsWith('#/?') ? hash : '#/';
    searchView(new URLSearchParams(query));
  }

  window.addEventListener('hashchange', route);
  route();
})();
