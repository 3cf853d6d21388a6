// device.js - leaflets (read, search, publish with the warning that they carry your identity)
// and this device: its fingerprint, where it is reached, peers and when each last synced,
// courier bundles, the duress passphrase, locking, and the panic wipe.
'use strict';
(function () {
	const { h, t } = SZ;

	// --- leaflets ---------------------------------------------------------------------------
	SZ.views.leaflets = async function (main) {
		main.append(h('h1', {}, t('leaflets_title')), h('p', {}, t('leaflets_intro')));
		const q = h('input', { type: 'search', id: 'leaflet-search' });
		const list = h('div', { class: 'leaflets' });
		const search = h('form', { class: 'row search', role: 'search' }, SZ.field(t('search'), q),
			h('button', { type: 'submit', class: 'secondary' }, t('search')));
		main.append(search, list);
		const draw = async () => {
			const r = await SZ.api('/api/leaflets' + (q.value ? '?q=' + encodeURIComponent(q.value) : ''));
			SZ.clear(list);
			if (r.leaflets.length === 0)
				list.append(h('p', { class: 'empty' }, q.value ? t('no_leaflets_found') : t('no_leaflets')));
			for (const l of r.leaflets.slice().reverse())
				list.append(h('article', { class: 'card leaflet' }, h('header', {}, t('leaflet_by'), ' ', SZ.person(l.author),
					' ', h('time', {}, SZ.when(l.time_ms))), l.text ? h('p', { class: 'text' }, l.text) : null,
					SZ.files(l.files, SZ.personName(l.author)), SZ.fingerprint(l.author)));
		};
		SZ.submit(search, draw);
		await draw();
		SZ.onChange(draw);

		const text = h('textarea', { rows: 5 });
		const att = SZ.fileInput();
		const ok = h('input', { type: 'checkbox', id: 'leaflet-signed-ok', required: true });
		const form = h('form', { class: 'card' }, h('h2', {}, t('publish_title')),
			h('p', { class: 'warning' }, t('publish_warning')), SZ.field(t('leaflet_text'), text), att.field,
			h('div', { class: 'check' }, ok, h('label', { for: ok.id }, t('publish_ok'))),
			h('div', { class: 'row' }, h('button', { type: 'submit' }, t('publish'))));
		main.append(SZ.submit(form, async () => {
			if (!text.value && !att.input.files.length)
				throw new SZ.ApiError(0, { message: t('write_first') });
			const files = await SZ.attachFiles(att.input, null);
			if (files === null)
				return SZ.say(t('not_published'));
			await SZ.api('/api/leaflet', { text: text.value, signed_ok: ok.checked, files });
			text.value = '';
			att.input.value = '';
			ok.checked = false;
			SZ.say(t('published'));
			await draw();
		}));
	};

	// --- this device ------------------------------------------------------------------------
	SZ.views.device = async function (main) {
		main.append(h('h1', {}, t('device_title')));
		const about = h('div', { class: 'card' });
		const peers = h('div', { class: 'card' });
		main.append(about, peers);
		const draw = async () => {
			const s = await SZ.api('/api/status');
			SZ.clear(about).append(h('h2', {}, t('identity_title')), h('p', {}, t('identity_text')),
				h('p', {}, h('code', { class: 'fingerprint' }, s.fingerprint)),
				h('h3', {}, t('reached_at')),
				s.reach.length ? h('ul', { class: 'reach' }, s.reach.map((a) => h('li', {}, h('code', {}, a.address), ' ',
					h('span', { class: 'meta' }, t('reach_' + a.kind))))) : h('p', {}, t('reach_none')),
				s.reachable_by_others ? h('p', {}, t('reachable_yes')) : h('div', { class: 'notice', id: 'not-reachable' },
					h('p', {}, t('not_reachable')), h('p', {}, t('reach_tor')), h('p', {}, h('code', {}, 'samizdat serve --tor /usr/bin/tor --detach')),
					h('p', {}, t('reach_lan')), h('p', {}, h('code', {}, 'samizdat serve --listen 0.0.0.0:7070 --public --detach')),
					h('p', {}, t('reach_meanwhile'))),
				h('p', { class: 'meta' }, t('tor_is', { state: s.tor })),
				h('p', { class: 'meta' }, t('listening_on', { list: s.listening.join(', ') })));
			SZ.clear(peers).append(h('h2', {}, t('peers_title')), h('p', {}, t('peers_intro')));
			if (s.peers.length === 0)
				peers.append(h('p', { class: 'empty' }, t('no_peers')));
			const ul = h('ul', { class: 'peers' });
			for (const p of s.peers)
				ul.append(h('li', {}, h('code', {}, p.address), ' ',
					h('span', { class: 'meta' }, p.last_sync_ms ? (p.last_ok ? t('last_synced', { when: SZ.when(p.last_sync_ms) }) :
						t('last_failed', { when: SZ.when(p.last_sync_ms) })) : t('not_synced_yet')), ' ',
					h('button', { type: 'button', class: 'link', onclick: async () => {
						await SZ.api('/api/peers/remove', { address: p.address }).catch((e) => SZ.say(e.message, 'error'));
						await draw();
					} }, t('forget_peer', { addr: p.address }))));
			peers.append(ul);
			const addr = h('input', { type: 'text', required: true, spellcheck: 'false', placeholder: '192.168.1.20:7070' });
			peers.append(SZ.submit(h('form', { class: 'inline' }, SZ.field(t('peer_address'), addr),
				h('button', { type: 'submit', class: 'secondary' }, t('add_peer'))), async () => {
				await SZ.api('/api/peers/add', { address: addr.value });
				addr.value = '';
				await draw();
			}));
			const sync = h('button', { type: 'button' }, t('sync_now'));
			sync.addEventListener('click', async () => { await SZ.syncAll(sync); await draw(); });
			peers.append(h('div', { class: 'row' }, sync));
		};
		await draw();
		main.append(await bundles(), passphrase(), duress(), dangers());
	};

	async function bundles() {
		const box = h('div', { class: 'card' }, h('h2', {}, t('bundles_title')), h('p', {}, t('bundles_intro')));
		const cells = (await SZ.api('/api/cells')).cells.filter((c) => c.status === 'member');
		const which = h('select', {}, cells.map((c) => h('option', { value: c.id }, c.name)),
			h('option', { value: '' }, t('bundle_public_only')));
		const bpass = h('input', { type: 'password', autocomplete: 'new-password' });
		box.append(SZ.submit(h('form', {}, h('h3', {}, t('bundle_export')), SZ.field(t('bundle_for'), which),
			SZ.field(t('bundle_pass'), bpass, t('bundle_pass_hint')),
			h('div', { class: 'row' }, h('button', { type: 'submit' }, t('bundle_make')))), async () => {
			const body = {};
			if (which.value)
				body.cell = which.value;
			if (bpass.value)
				body.passphrase = bpass.value;
			const r = await SZ.api('/api/bundle/export', body);
			const url = URL.createObjectURL(r.blob);
			const a = h('a', { href: url, download: r.filename }, r.filename);
			document.body.append(a);
			a.click();
			a.remove();
			setTimeout(() => URL.revokeObjectURL(url), 60000);
			SZ.say(t('bundle_saved', { name: r.filename }));
		}));
		const file = h('input', { type: 'file', required: true });
		const ipass = h('input', { type: 'password', autocomplete: 'off' });
		const result = h('p', { class: 'meta', 'aria-live': 'polite' });
		box.append(SZ.submit(h('form', {}, h('h3', {}, t('bundle_import')), SZ.field(t('bundle_file'), file),
			SZ.field(t('bundle_pass_open'), ipass, t('bundle_pass_open_hint')),
			h('div', { class: 'row' }, h('button', { type: 'submit' }, t('bundle_take'))), result), async () => {
			const body = { data: await SZ.fileB64(file.files[0]) };
			if (ipass.value)
				body.passphrase = ipass.value;
			const r = await SZ.api('/api/bundle/import', body);
			result.textContent = (r.news ? r.news + '. ' : '') +
				t('bundle_taken', { stored: r.stored, held: r.already_held, refused: r.refused }) +
				(r.intact ? '' : ' ' + t('bundle_damaged'));
		}));
		return box;
	}

	// As `samizdat passphrase`: the one in use first, then the new one twice.
	function passphrase() {
		const cur = h('input', { type: 'password', autocomplete: 'current-password', required: true });
		const p1 = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
		const p2 = h('input', { type: 'password', autocomplete: 'new-password', required: true });
		const keep = SZ.keepWeak();
		const form = h('form', { class: 'card' }, h('h2', {}, t('pass_title')), h('p', {}, t('pass_intro')),
			SZ.field(t('pass_current'), cur), SZ.field(t('pass_new'), p1, t('new_passphrase_hint')),
			SZ.field(t('pass_again'), p2), keep.box,
			h('div', { class: 'row' }, h('button', { type: 'submit' }, t('pass_change'))));
		return SZ.submit(form, async () => {
			if (p1.value !== p2.value)
				throw new SZ.ApiError(0, { message: t('passphrases_differ') });
			SZ.say(t('pass_changing'));
			await keep.api('/api/passphrase', { current: cur.value, passphrase: p1.value });
			cur.value = p1.value = p2.value = '';
			keep.box.hidden = true;
			SZ.say(t('pass_changed'));
		});
	}

	function duress() {
		const p1 = h('input', { type: 'password', autocomplete: 'new-password', required: true });
		const p2 = h('input', { type: 'password', autocomplete: 'new-password', required: true });
		const form = h('form', { class: 'card' }, h('h2', {}, t('duress_title')), h('p', {}, t('duress_intro')),
			SZ.field(t('duress_pass'), p1), SZ.field(t('duress_again'), p2),
			h('div', { class: 'row' }, h('button', { type: 'submit' }, t('duress_set')),
				h('button', { type: 'button', class: 'secondary', onclick: async () => {
					await SZ.api('/api/duress', { clear: true }).catch((e) => SZ.say(e.message, 'error'));
					SZ.say(t('duress_cleared'));
				} }, t('duress_clear'))));
		return SZ.submit(form, async () => {
			if (p1.value !== p2.value)
				throw new SZ.ApiError(0, { message: t('duress_mismatch') });
			await SZ.api('/api/duress', { passphrase: p1.value });
			p1.value = p2.value = '';
			SZ.say(t('duress_done'));
		});
	}

	function dangers() {
		const box = h('div', { class: 'card danger-zone' }, h('h2', {}, t('wipe_title')), h('p', {}, t('wipe_intro')));
		box.append(h('button', { type: 'button', class: 'danger', onclick: async () => {
			const ok = await SZ.confirm(t('wipe_q'), [t('wipe_means1'), t('wipe_means2')], t('wipe'));
			if (!ok)
				return;
			try {
				await SZ.api('/api/wipe', { confirm: 'wipe' });
			} catch (e) {
				SZ.say(e.message, 'error');
				return;
			}
			clearTimeout(SZ.pollTimer);
			SZ.clear(document.getElementById('nav'));
			SZ.clear(document.getElementById('tools'));
			SZ.clear(SZ.main()).append(h('div', { class: 'card narrow', id: 'wiped' }, h('h1', {}, t('wiped_title')),
				h('p', {}, t('wiped_text'))));
		} }, t('wipe')));
		return box;
	}
})();
