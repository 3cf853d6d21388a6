// app.js - the core of samizdat's web interface: building the page from data (text is always
// text: no HTML is ever made from what the node holds), talking to the daemon's API, the
// session's CSRF token, pages by the address's #fragment, refreshing when something changed,
// confirmations, the unlock page.  The views are cells.js, decide.js and device.js.
'use strict';

const SZ = {
	csrf: null,
	locked: true,
	me: null,          // { fingerprint, identity }
	gen: null,         // the change counter last seen
	views: {},         // route name -> function(args) drawing into main
	refreshers: [],    // what the current view redraws when something changes
	busy: false,
};

// --- strings -------------------------------------------------------------------------------
SZ.lang = (navigator.language || 'en').slice(0, 2);
// t('key', {name: 'x'}): the string for key in the person's language (else English), with
// {name} replaced.  A missing key shows itself, so that it is noticed.
SZ.t = function (key, args) {
	const table = window.SZ_STRINGS || {};
	let s = (table[SZ.lang] && table[SZ.lang][key]) || (table.en && table.en[key]) || key;
	if (args)
		s = s.replace(/\{(\w+)\}/g, (m, k) => (k in args ? String(args[k]) : m));
	return s;
};
const t = SZ.t;

// --- building the page ---------------------------------------------------------------------
// h('p', {class: 'x', onclick: f}, 'text', child...): an element.  Strings become text nodes.
SZ.h = function (tag, attrs, ...kids) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false)
			continue;
		if (k.startsWith('on'))
			el.addEventListener(k.slice(2), v);
		else if (k === 'class')
			el.className = v;
		else if (v === true)
			el.setAttribute(k, '');
		else
			el.setAttribute(k, String(v));
	}
	for (const c of kids.flat()) {
		if (c === null || c === undefined || c === false)
			continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return el;
};
const h = SZ.h;

SZ.main = () => document.getElementById('main');
SZ.clear = (el) => { while (el.firstChild) el.removeChild(el.firstChild); return el; };

let idSeq = 0;
SZ.uid = (p) => (p || 'f') + (++idSeq);

// A labelled control: label above, the control, an optional hint tied to it.
SZ.field = function (label, control, hint) {
	const id = control.id || (control.id = SZ.uid());
	const kids = [h('label', { for: id }, label), control];
	if (hint) {
		const hid = id + '-hint';
		control.setAttribute('aria-describedby', hid);
		kids.push(h('p', { class: 'hint', id: hid }, hint));
	}
	return h('div', { class: 'field' }, kids);
};

// A message for everyone (and screen readers).
SZ.say = function (text, kind) {
	const s = document.getElementById('status');
	SZ.clear(s);
	if (text)
		s.append(h('p', { class: 'msg ' + (kind || 'info') }, text));
};

// An error next to a form.
SZ.formError = function (form, text) {
	let e = form.querySelector('.form-error');
	if (!e) {
		e = h('p', { class: 'form-error', role: 'alert' });
		form.append(e);
	}
	e.textContent = text || '';
	e.hidden = !text;
};

SZ.when = function (ms) {
	if (!ms)
		return '';
	// local time, with the zone (dateStyle cannot be combined with timeZoneName)
	return new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric',
		hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(new Date(Number(ms)));
};

// A person: their name if you gave one, else the start of their fingerprint.
SZ.personName = function (p) {
	if (!p || p.unknown)
		return t('someone');
	if (p.you)
		return p.name ? t('you_named', { name: p.name }) : t('you');
	return p.name || (p.fingerprint ? p.fingerprint.split(' ').slice(0, 2).join(' ') + '…' : '?');
};
SZ.person = function (p) {
	const el = h('span', { class: 'person' + (p && !p.name && !p.you ? ' unnamed' : '') }, SZ.personName(p));
	if (p && !p.you && !p.unknown && !p.name)
		el.title = t('no_name_yet');
	return el;
};
// The fingerprint on request.
SZ.fingerprint = function (p) {
	if (!p || !p.fingerprint)
		return null;
	return h('details', { class: 'fp' }, h('summary', {}, t('show_fingerprint')),
		h('code', {}, p.fingerprint));
};

// --- the API -------------------------------------------------------------------------------
class ApiError extends Error {
	constructor(status, body) {
		super((body && body.message) || t('err_generic'));
		this.status = status;
		this.code = body && body.error;
	}
}
SZ.ApiError = ApiError;

// GET when body is undefined, else a POST of JSON with the session's token.
SZ.api = async function (path, body) {
	const opts = { credentials: 'same-origin', cache: 'no-store', redirect: 'error' };
	if (body !== undefined) {
		opts.method = 'POST';
		opts.headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': SZ.csrf || '' };
		opts.body = JSON.stringify(body);
	}
	let r;
	try {
		r = await fetch(path, opts);
	} catch (e) {
		SZ.gone();
		throw new ApiError(0, { message: t('err_no_daemon') });
	}
	if ((r.headers.get('Content-Type') || '').startsWith('application/octet-stream')) {
		const cd = r.headers.get('Content-Disposition') || '';
		const m = cd.match(/filename="([^"]+)"/);
		return { ok: true, blob: await r.blob(), filename: m ? m[1] : 'samizdat.bundle' };
	}
	let j;
	try {
		j = await r.json();
	} catch (e) {
		j = { ok: false, message: t('err_generic') };
	}
	if (r.status === 423 && !SZ.locked) {
		SZ.locked = true;
		SZ.route();
	}
	if (r.status === 403 && j.error === 'session') {
		SZ.noSession();
		throw new ApiError(403, j);
	}
	if (!r.ok || !j.ok)
		throw new ApiError(r.status, j);
	return j;
};

// Send a file (a File from an <input type=file>) to path as it is: raw bytes, the session's token.
SZ.upload = async function (path, file) {
	let r;
	try {
		r = await fetch(path, { method: 'POST', credentials: 'same-origin', cache: 'no-store', redirect: 'error',
			headers: { 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': SZ.csrf || '' }, body: file });
	} catch (e) {
		SZ.gone();
		throw new ApiError(0, { message: t('err_no_daemon') });
	}
	let j;
	try {
		j = await r.json();
	} catch (e) {
		j = { ok: false, message: t('err_generic') };
	}
	if (!r.ok || !j.ok)
		throw new ApiError(r.status, j);
	return j;
};

// Attach the files chosen in input for a cell (cellId) or a leaflet (null): each is cleaned by the
// daemon; one it cannot clean is sent only if the person says so.  Resolves with their ids, or
// null if the person stopped; says what was removed.
SZ.attachFiles = async function (input, cellId) {
	const ids = [];
	const said = [];
	const files = Array.from(input.files || []);
	if (files.length > 8)
		throw new ApiError(0, { message: t('too_many_files') });
	for (const f of files) {
		if (f.size > 100 * 1024 * 1024)
			throw new ApiError(0, { message: t('file_too_big', { name: f.name }) });
		const base = '/api/attach?' + (cellId ? 'cell=' + encodeURIComponent(cellId) : 'leaflet=1');
		let r;
		try {
			SZ.say(t('attaching', { name: f.name }));
			r = await SZ.upload(base, f);
		} catch (e) {
			if (e.code !== 'metadata')
				throw new ApiError(e.status, { message: f.name + ': ' + e.message });
			const ok = await SZ.confirm(t('as_is_q', { name: f.name }), [e.message + '.', t('as_is_means')],
				t('as_is_ok'));
			if (!ok)
				return null;
			r = await SZ.upload(base + '&as_is=1', f);
		}
		ids.push(r.files[0].id);
		said.push(r.sent_as_is ? t('sent_as_is', { name: f.name }) :
			t('stripped', { name: f.name, what: r.removed }));
	}
	if (said.length)
		SZ.say(said.join(' '));
	return ids;
};

// Save bytes the daemon gave as base64 (a courier file) under name, through the browser.
SZ.saveB64 = function (b64, name, type) {
	const bin = atob(b64);
	const bytes = new Uint8Array(bin.length);
	for (let i = 0; i < bin.length; i++)
		bytes[i] = bin.charCodeAt(i);
	const url = URL.createObjectURL(new Blob([bytes], { type: type || 'application/octet-stream' }));
	const a = h('a', { href: url, download: name }, name);
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 60000);
};

// A file chosen in an <input type=file>, as base64 (for a JSON body).
SZ.fileB64 = async function (f) {
	const bytes = new Uint8Array(await f.arrayBuffer());
	let bin = '';
	for (let i = 0; i < bytes.length; i += 0x8000)
		bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
	return btoa(bin);
};

// "2.3 MiB"
SZ.size = function (b) {
	if (b >= 1048576)
		return (b / 1048576).toFixed(1) + ' MiB';
	if (b >= 1024)
		return (b / 1024).toFixed(1) + ' KiB';
	return t('bytes_n', { n: b });
};

// The files of a post or a leaflet: a complete picture shown (fetched from the daemon, never from
// elsewhere), any other complete file offered for download, the rest said as it is.
SZ.files = function (files, who) {
	if (!files || !files.length)
		return null;
	const ul = h('ul', { class: 'files' });
	for (const f of files) {
		const url = '/api/file?id=' + encodeURIComponent(f.id);
		const kind = t('kind_' + f.type);
		const about = h('span', { class: 'meta' }, f.name + ' · ' + kind + ' · ' + SZ.size(f.bytes) +
			(f.as_is ? ' · ' + t('with_metadata') : ''));
		const li = h('li', { class: 'file', 'data-id': f.id, 'data-state': f.state });
		if (f.state === 'complete') {
			if (f.type === 'jpg' || f.type === 'png')
				li.append(h('img', { src: url, alt: t('picture_by', { who }), loading: 'lazy', decoding: 'async' }));
			li.append(about, ' ', h('a', { href: url + '&download=1', download: f.name }, t('download', { name: f.name })));
		} else if (f.state === 'damaged') {
			li.append(about, ' ', h('span', { class: 'form-error' }, t('file_damaged')));
		} else {
			li.append(about, ' ', h('span', { class: 'notice' }, t('file_incomplete', { have: f.have, parts: f.parts })));
		}
		ul.append(li);
	}
	return ul;
};

// A file input for a compose box, labelled, with what happens to the files.
SZ.fileInput = function () {
	const input = h('input', { type: 'file', multiple: true, class: 'attach' });
	return { input, field: SZ.field(t('attach_files'), input, t('attach_hint')) };
};

// Run a form's action: the button is busy meanwhile, errors show by the form.
SZ.submit = function (form, action) {
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const btn = form.querySelector('button[type=submit]');
		if (btn)
			btn.disabled = true;
		SZ.formError(form, '');
		try {
			await action(form);
		} catch (e) {
			SZ.formError(form, e.message);
		} finally {
			if (btn)
				btn.disabled = false;
		}
	});
	return form;
};

// Follow a job (a sync, a join) until it ends; resolves with it.
SZ.job = async function (id) {
	for (let i = 0; i < 600; i++) {
		const j = await SZ.api('/api/job?id=' + encodeURIComponent(id));
		if (j.done)
			return j;
		await new Promise((r) => setTimeout(r, 500));
	}
	throw new ApiError(0, { message: t('err_job_slow') });
};

// --- confirmations -------------------------------------------------------------------------
// Ask before something that cannot be undone or that others can trace: resolves true or false.
SZ.confirm = function (title, paragraphs, okLabel) {
	const d = document.getElementById('confirm');
	document.getElementById('confirm-title').textContent = title;
	const box = SZ.clear(document.getElementById('confirm-text'));
	for (const p of [].concat(paragraphs))
		box.append(h('p', {}, p));
	document.getElementById('confirm-ok').textContent = okLabel;
	document.getElementById('confirm-cancel').textContent = t('cancel');
	return new Promise((resolve) => {
		d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
		d.returnValue = 'cancel';
		d.showModal();
		document.getElementById('confirm-cancel').focus();
	});
};

// --- navigation ----------------------------------------------------------------------------
SZ.go = (hash) => { location.hash = hash; };

function drawNav() {
	const nav = SZ.clear(document.getElementById('nav'));
	const tools = SZ.clear(document.getElementById('tools'));
	const here = location.hash || '#/';
	const link = (href, label, match) => h('a', { href, 'aria-current': match.test(here) ? 'page' : null },
		label);
	if (!SZ.locked) {
		nav.append(link('#/', t('nav_cells'), /^#\/(cell\/.*)?$/), link('#/leaflets', t('nav_leaflets'), /^#\/leaflets/),
			link('#/device', t('nav_device'), /^#\/device/));
		tools.append(h('button', { type: 'button', class: 'secondary', onclick: SZ.lock }, t('lock')));
	}
	tools.append(h('button', { type: 'button', class: 'secondary', id: 'theme', onclick: toggleTheme,
		'aria-pressed': document.documentElement.dataset.theme === 'dark' ? 'true' : 'false' }, t('dark_theme')));
}

function toggleTheme() {
	const now = document.documentElement.dataset.theme ||
		(matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
	const next = now === 'dark' ? 'light' : 'dark';
	document.documentElement.dataset.theme = next;
	try { localStorage.setItem('sz-theme', next); } catch (e) { /* private mode */ }
	drawNav();
}

// Draw the page the address names: into a new box, shown only if no later call overtook this one
// (the poller and a form may both ask for a redraw).
SZ.routeSeq = 0;
SZ.route = async function () {
	const seq = ++SZ.routeSeq;
	SZ.refreshers = [];
	drawNav();
	const box = h('div', { class: 'view' });
	if (SZ.locked) {
		SZ.clear(SZ.main()).append(box);
		drawUnlock(box);
		return;
	}
	const parts = (location.hash || '#/').slice(2).split('/');
	const name = parts[0] || 'cells';
	const view = SZ.views[name] || SZ.views.cells;
	try {
		await view(box, parts.slice(1));
	} catch (e) {
		if (!(e instanceof ApiError && (e.status === 423 || e.code === 'session')))
			box.append(h('p', { class: 'form-error', role: 'alert' }, e.message));
	}
	if (seq === SZ.routeSeq && !SZ.locked)
		SZ.clear(SZ.main()).append(box);
};

// Redraw what changed without touching what the person is typing (for the page now shown).
SZ.onChange = (fn) => {
	const seq = SZ.routeSeq;
	SZ.refreshers.push(() => (seq === SZ.routeSeq ? fn() : null));
};

async function poll() {
	try {
		const c = await SZ.api('/api/changes');
		if (c.locked !== SZ.locked) {
			await loadSession();
			SZ.route();
		} else if (SZ.gen !== null && c.gen !== SZ.gen) {
			for (const fn of SZ.refreshers)
				await fn();
		}
		SZ.gen = c.gen;
	} catch (e) {
		/* the next turn tries again */
	}
	SZ.pollTimer = setTimeout(poll, 2000);
}

// --- lock, unlock, and the ends of a session ------------------------------------------------
async function loadSession() {
	const s = await SZ.api('/api/session');
	SZ.csrf = s.csrf;
	SZ.locked = s.locked;
	SZ.exists = s.exists;
	SZ.me = s.locked ? null : { fingerprint: s.fingerprint, identity: s.identity };
}

// A new passphrase that the node finds weak (zxcvbn, as `samizdat init` measures it) is refused
// with the reason; only then does the form show a box to keep it anyway, as the command line
// asks to type "keep it".  keep.api sends the box's answer with the request.
SZ.keepWeak = function () {
	const input = h('input', { type: 'checkbox', id: SZ.uid('keep-weak') });
	const box = h('div', { class: 'check', hidden: true }, input, h('label', { for: input.id }, t('keep_weak')));
	return {
		box,
		api: async (path, body) => {
			try {
				return await SZ.api(path, Object.assign({ weak_ok: !box.hidden && input.checked }, body));
			} catch (e) {
				if (e.code === 'weak')
					box.hidden = false;
				SZ.say(''); /* the "…ing" line said before the request */
				throw e;
			}
		},
	};
};

// The first start: no node here yet.  Choose a passphrase (twice), as `samizdat init` asks.
function drawCreate(main) {
	const p1 = h('input', { type: 'password', id: 'new-passphrase', autocomplete: 'new-password', required: true,
		minlength: 10 });
	const p2 = h('input', { type: 'password', id: 'new-passphrase-again', autocomplete: 'new-password', required: true });
	const keep = SZ.keepWeak();
	const form = h('form', { class: 'card narrow' },
		h('h1', {}, t('create_title')),
		h('p', {}, t('create_text')),
		SZ.field(t('new_passphrase'), p1, t('new_passphrase_hint')),
		SZ.field(t('passphrase_again'), p2), keep.box,
		h('div', { class: 'row' }, h('button', { type: 'submit' }, t('create_node'))));
	SZ.submit(form, async () => {
		if (p1.value !== p2.value)
			throw new ApiError(0, { message: t('passphrases_differ') });
		SZ.say(t('creating'));
		const r = await keep.api('/api/create', { passphrase: p1.value });
		p1.value = p2.value = '';
		await loadSession();
		SZ.say(t('created', { fp: r.fingerprint }));
		SZ.route();
	});
	main.append(form);
	p1.focus();
}

function drawUnlock(main) {
	if (SZ.exists === false) {
		drawCreate(main);
		return;
	}
	const pass = h('input', { type: 'password', id: 'passphrase', autocomplete: 'current-password', required: true });
	const form = h('form', { class: 'card narrow' },
		h('h1', {}, t('unlock_title')),
		h('p', {}, t('unlock_text')),
		SZ.field(t('passphrase'), pass),
		h('div', { class: 'row' }, h('button', { type: 'submit' }, t('unlock'))));
	SZ.submit(form, async () => {
		SZ.say(t('unlocking'));
		await SZ.api('/api/unlock', { passphrase: pass.value });
		pass.value = '';
		await loadSession();
		SZ.say(t('unlocked'));
		SZ.route();
	});
	main.append(form);
	pass.focus();
}

SZ.lock = async function () {
	await SZ.api('/api/lock', {});
	SZ.locked = true;
	SZ.me = null;
	SZ.say(t('locked_now'));
	SZ.route();
};

SZ.noSession = function () {
	clearTimeout(SZ.pollTimer);
	SZ.clear(document.getElementById('nav'));
	SZ.clear(document.getElementById('tools'));
	const main = SZ.clear(SZ.main());
	main.append(h('div', { class: 'card narrow' }, h('h1', {}, t('session_ended')),
		h('p', {}, t('session_ended_text')), h('p', {}, h('code', {}, 'samizdat ui --open'))));
};

SZ.gone = function () {
	SZ.say(t('err_no_daemon'), 'error');
};

// --- start -----------------------------------------------------------------------------------
async function start() {
	try {
		const th = localStorage.getItem('sz-theme');
		if (th === 'dark' || th === 'light')
			document.documentElement.dataset.theme = th;
	} catch (e) { /* private mode */ }
	document.documentElement.lang = SZ.lang in (window.SZ_STRINGS || {}) ? SZ.lang : 'en';
	document.querySelector('.skip').textContent = t('skip');
	document.getElementById('confirm-cancel').textContent = t('cancel');
	document.getElementById('confirm-ok').textContent = t('ok');
	try {
		await loadSession();
	} catch (e) {
		return;
	}
	window.addEventListener('hashchange', () => { SZ.say(''); SZ.route(); });
	await SZ.route();
	poll();
}
document.addEventListener('DOMContentLoaded', start);
