// cells.js - the cells: the list (with unread counts), starting one, joining with a code, a
// cell's conversation in threads with replies, its members (names, removal, leaving) and
// invitations (a code and its QR code).
'use strict';
(function () {
	const { h, t } = SZ;

	// --- the list of cells --------------------------------------------------------------
	SZ.views.cells = async function (main) {
		main.append(h('h1', {}, t('cells_title')));
		const list = h('div', { class: 'cells', id: 'cell-list' });
		const syncBtn = h('button', { type: 'button', class: 'secondary', onclick: () => SZ.syncAll(syncBtn) },
			t('sync_now'));
		main.append(list, h('div', { class: 'row' }, syncBtn));
		const draw = async () => {
			const r = await SZ.api('/api/cells');
			SZ.clear(list);
			if (r.cells.length === 0)
				list.append(h('p', { class: 'empty' }, t('no_cells')));
			for (const c of r.cells) {
				const label = c.unread > 0 ? t('unread_n', { n: c.unread }) : null;
				list.append(h('a', { class: 'cell-link', href: '#/cell/' + c.id },
					h('span', { class: 'cell-name' }, c.name),
					h('span', { class: 'meta' }, t('members_n', { n: c.members }),
						c.status !== 'member' ? ' · ' + t('status_' + c.status) : ''),
					label ? h('span', { class: 'badge' }, label) : null));
			}
		};
		await draw();
		SZ.onChange(draw);

		const name = h('input', { type: 'text', maxlength: 64, required: true });
		main.append(SZ.submit(h('form', { class: 'card' }, h('h2', {}, t('new_cell')),
			SZ.field(t('cell_name'), name, t('cell_name_hint')),
			h('div', { class: 'row' }, h('button', { type: 'submit' }, t('create')))), async () => {
			const r = await SZ.api('/api/cell/create', { name: name.value });
			SZ.say(t('cell_created', { name: name.value }));
			SZ.go('#/cell/' + r.id + '/invite');
		}));

		const code = h('textarea', { rows: 3, required: true, spellcheck: 'false', autocomplete: 'off' });
		main.append(SZ.submit(h('form', { class: 'card' }, h('h2', {}, t('join_title')),
			SZ.field(t('join_code'), code, t('join_hint')),
			h('div', { class: 'row' }, h('button', { type: 'submit' }, t('join')))), async (form) => {
			const r = await SZ.api('/api/join', { code: code.value });
			SZ.say(t('joining'));
			const j = await SZ.job(r.job);
			if (j.code !== 0)
				throw new SZ.ApiError(0, { message: j.text });
			code.value = '';
			SZ.say(t('joined'));
			SZ.formError(form, '');
			await draw();
		}));
		main.append(courierJoin(draw));
	};

	// Joining when no network links the newcomer and the inviter: a request file carried to the
	// inviter, an answer file carried back (as 'samizdat cell join CODE --request / --answer').
	function courierJoin(redraw) {
		const code = h('textarea', { rows: 3, required: true, spellcheck: 'false', autocomplete: 'off' });
		const answer = h('input', { type: 'file' });
		const box = h('details', { class: 'card courier-join' }, h('summary', {}, t('courier_join_title')),
			h('p', {}, t('courier_join_intro')));
		const form = h('form', {}, SZ.field(t('courier_code'), code, t('courier_join_code_hint')),
			h('ol', {}, h('li', {}, t('courier_join_step1')), h('li', {}, t('courier_join_step2')),
				h('li', {}, t('courier_join_step3'))),
			h('div', { class: 'row' }, h('button', { type: 'button', class: 'secondary', onclick: async () => {
				SZ.formError(form, '');
				try {
					const r = await SZ.api('/api/join/request', { code: code.value });
					SZ.saveB64(r.file, r.filename);
					SZ.say(t('courier_request_saved', { name: r.filename }));
				} catch (e) {
					SZ.formError(form, e.message);
				}
			} }, t('courier_make_request'))),
			SZ.field(t('courier_answer_file'), answer),
			h('div', { class: 'row' }, h('button', { type: 'submit' }, t('courier_take_answer'))));
		box.append(SZ.submit(form, async () => {
			if (!answer.files.length)
				throw new SZ.ApiError(0, { message: t('courier_choose_answer') });
			const r = await SZ.api('/api/join/answer', { code: code.value, data: await SZ.fileB64(answer.files[0]) });
			code.value = '';
			answer.value = '';
			SZ.say(t('courier_joined', { name: r.cell }));
			await redraw();
		}));
		return box;
	}

	// Sync with every peer; say how it went.
	SZ.syncAll = async function (btn) {
		btn.disabled = true;
		SZ.say(t('syncing'));
		try {
			const r = await SZ.api('/api/sync', {});
			const done = await Promise.all(r.jobs.map((id) => SZ.job(id)));
			const bad = done.filter((j) => j.code !== 0);
			// the daemon's words: what arrived from whom, or why a peer could not be reached
			SZ.say(done.map((j) => j.text).join(' ') || t('synced'), bad.length ? 'error' : 'info');
		} catch (e) {
			SZ.say(e.message, 'error');
		} finally {
			btn.disabled = false;
		}
	};

	// --- one cell -----------------------------------------------------------------------------
	const TABS = ['talk', 'decide', 'members', 'invite'];

	SZ.views.cell = async function (main, args) {
		const id = args[0];
		const tab = TABS.includes(args[1]) ? args[1] : 'talk';
		const cell = await SZ.api('/api/cell?cell=' + encodeURIComponent(id));
		main.append(h('h1', {}, cell.name));
		if (cell.status !== 'member')
			main.append(h('p', { class: 'notice' }, t('no_longer_member_' + cell.status)));
		const tabs = h('nav', { class: 'tabs', 'aria-label': t('cell_sections') });
		for (const k of TABS)
			tabs.append(h('a', { href: '#/cell/' + id + '/' + k, 'aria-current': k === tab ? 'page' : null },
				t('tab_' + k)));
		main.append(tabs);
		const body = h('section', { class: 'tab-body', 'aria-label': t('tab_' + tab) });
		main.append(body);
		if (tab === 'talk')
			await talk(body, cell);
		else if (tab === 'members')
			await members(body, cell);
		else if (tab === 'invite')
			invite(body, cell);
		else
			await SZ.decide(body, cell);
	};

	// --- the conversation ---------------------------------------------------------------------
	async function talk(body, cell) {
		const active = cell.status === 'member';
		if (active) {
			const text = h('textarea', { rows: 3 });
			const att = SZ.fileInput();
			body.append(SZ.submit(h('form', { class: 'card compose' },
				SZ.field(t('new_post'), text, t('post_hint')), att.field,
				h('div', { class: 'row' }, h('button', { type: 'submit' }, t('post')))), async () => {
				if (!text.value && !att.input.files.length)
					throw new SZ.ApiError(0, { message: t('write_first') });
				const files = await SZ.attachFiles(att.input, cell.id);
				if (files === null)
					return SZ.say(t('not_posted'));
				await SZ.api('/api/post', { cell: cell.id, text: text.value, files });
				text.value = '';
				att.input.value = '';
				if (!files.length)
					SZ.say(t('posted'));
				await draw();
			}));
		}
		const threads = h('div', { class: 'threads', id: 'threads' });
		body.append(threads);
		let data = cell;
		// What was new when it came stays marked new while the person is on this page.
		const isNew = new Set();
		const draw = async (fresh) => {
			if (fresh !== false)
				data = await SZ.api('/api/cell?cell=' + encodeURIComponent(cell.id));
			for (const p of data.posts)
				if (p.unread)
					isNew.add(p.id);
			drawThreads(threads, data, active, draw, isNew);
			if (data.posts.some((p) => p.unread))
				await SZ.api('/api/read', { cell: cell.id }).catch(() => {});
		};
		await draw(false);
		SZ.onChange(draw);
	}

	// Roots (and replies whose parent is not here) start threads; replies follow their parent.
	function drawThreads(box, data, active, redraw, isNew) {
		// keep an open reply box open across redraws
		const open = box.querySelector('form.reply');
		const openFor = open ? open.dataset.for : null;
		const openText = open ? open.querySelector('textarea').value : '';
		SZ.clear(box);
		const byId = new Map(data.posts.map((p) => [p.id, p]));
		const kids = new Map();
		const roots = [];
		for (const p of data.posts) {
			if (p.reply_to && byId.has(p.reply_to)) {
				if (!kids.has(p.reply_to))
					kids.set(p.reply_to, []);
				kids.get(p.reply_to).push(p);
			} else {
				roots.push(p);
			}
		}
		if (roots.length === 0)
			box.append(h('p', { class: 'empty' }, t('no_posts')));
		const draw = (p, depth) => {
			const unread = isNew.has(p.id);
			const art = h('article', { class: 'post' + (unread ? ' unread' : ''), 'data-id': p.id,
				'aria-label': t('post_by', { who: SZ.personName(p.author) }) },
			h('header', {}, SZ.person(p.author), p.author && !p.author.name && !p.author.you && !p.author.unknown ?
				h('a', { href: '#/cell/' + data.id + '/members', class: 'meta' }, t('give_name')) : null,
			' ', h('time', { datetime: new Date(p.time_ms).toISOString() },
				SZ.when(p.time_ms)), unread ? h('span', { class: 'badge' }, t('new')) : null),
			p.text ? h('p', { class: 'text' }, p.text) : null, SZ.files(p.files, SZ.personName(p.author)));
			if (active) {
				const btn = h('button', { type: 'button', class: 'link' }, t('reply'));
				btn.addEventListener('click', () => art.append(replyForm(data, p, redraw, btn)));
				art.append(btn);
				if (openFor === p.id) {
					const f = replyForm(data, p, redraw, btn);
					f.querySelector('textarea').value = openText;
					art.append(f);
				}
			}
			const sub = kids.get(p.id) || [];
			if (sub.length) {
				const ul = h('div', { class: 'replies' + (depth > 6 ? ' flat' : '') });
				for (const k of sub)
					ul.append(draw(k, depth + 1));
				art.append(ul);
			}
			return art;
		};
		for (const r of roots)
			box.append(draw(r, 0));
	}

	function replyForm(data, parent, redraw, btn) {
		btn.hidden = true;
		const text = h('textarea', { rows: 2, required: true });
		const form = h('form', { class: 'reply', 'data-for': parent.id },
			SZ.field(t('reply_to', { who: SZ.personName(parent.author) }), text),
			h('div', { class: 'row' }, h('button', { type: 'submit' }, t('send_reply')),
				h('button', { type: 'button', class: 'secondary', onclick: () => { form.remove(); btn.hidden = false; } },
					t('cancel'))));
		SZ.submit(form, async () => {
			await SZ.api('/api/post', { cell: data.id, text: text.value, reply_to: parent.id });
			form.remove();
			btn.hidden = false;
			SZ.say(t('posted'));
			await redraw();
		});
		setTimeout(() => text.focus(), 0);
		return form;
	}

	// --- members ------------------------------------------------------------------------------
	async function members(body, cell) {
		const list = h('ul', { class: 'members' });
		body.append(h('p', {}, t('members_intro')), list);
		const active = cell.status === 'member';
		const draw = async () => {
			const c = await SZ.api('/api/cell?cell=' + encodeURIComponent(cell.id));
			SZ.clear(list);
			for (const m of c.members) {
				const li = h('li', { class: 'member' }, h('div', { class: 'who' }, SZ.person(m)), SZ.fingerprint(m));
				if (!m.you)
					li.append(nameForm(m, draw));
				if (active && !m.you)
					li.append(h('button', { type: 'button', class: 'danger', onclick: () => removeMember(c, m, draw) },
						t('remove_who', { who: SZ.personName(m) })));
				list.append(li);
			}
		};
		await draw();
		SZ.onChange(draw);
		if (active)
			body.append(h('div', { class: 'card' }, h('h2', {}, t('update_title')), h('p', {}, t('update_text')),
				h('button', { type: 'button', class: 'secondary', onclick: () => renew(cell) }, t('update'))),
			h('div', { class: 'card' }, h('h2', {}, t('leave_title')), h('p', {}, t('leave_text')),
				h('button', { type: 'button', class: 'danger', onclick: () => leave(cell) }, t('leave'))));
	}

	async function renew(cell) {
		const ok = await SZ.confirm(t('update_q'), [t('update_means1'), t('update_means2')], t('update'));
		if (!ok)
			return;
		try {
			await SZ.api('/api/update', { cell: cell.id });
			SZ.say(t('updated'));
		} catch (e) {
			SZ.say(e.message, 'error');
		}
	}

	function nameForm(m, redraw) {
		const input = h('input', { type: 'text', maxlength: 64, value: m.name || '' });
		const form = h('form', { class: 'inline' }, SZ.field(t('name_label'), input, t('name_hint')),
			h('button', { type: 'submit', class: 'secondary' }, t('save_name')));
		return SZ.submit(form, async () => {
			await SZ.api('/api/name', { id: m.id, name: input.value });
			SZ.say(t('name_saved'));
			await redraw();
		});
	}

	async function removeMember(c, m, redraw) {
		const ok = await SZ.confirm(t('remove_q', { who: SZ.personName(m) }),
			[t('remove_means1'), t('remove_means2'), t('remove_means3')], t('remove'));
		if (!ok)
			return;
		try {
			await SZ.api('/api/remove', { cell: c.id, member: m.id });
			SZ.say(t('removed', { who: SZ.personName(m) }));
			await redraw();
		} catch (e) {
			SZ.say(e.message, 'error');
		}
	}

	async function leave(cell) {
		const ok = await SZ.confirm(t('leave_q', { name: cell.name }), [t('leave_means1'), t('leave_means2')],
			t('leave'));
		if (!ok)
			return;
		try {
			await SZ.api('/api/leave', { cell: cell.id });
			SZ.say(t('left', { name: cell.name }));
			SZ.go('#/');
		} catch (e) {
			SZ.say(e.message, 'error');
		}
	}

	// --- invitations ---------------------------------------------------------------------------
	function invite(body, cell) {
		if (cell.status !== 'member') {
			body.append(h('p', {}, t('cannot_invite')));
			return;
		}
		const who = h('input', { type: 'text', maxlength: 64 });
		const hours = h('select', {}, h('option', { value: '1' }, t('one_hour')),
			h('option', { value: '24', selected: true }, t('one_day')), h('option', { value: '168' }, t('one_week')));
		const out = h('div', { class: 'invite-out', 'aria-live': 'polite' });
		body.append(SZ.submit(h('form', { class: 'card' }, h('h2', {}, t('invite_title')), h('p', {}, t('invite_intro')),
			SZ.field(t('invite_who'), who, t('invite_who_hint')), SZ.field(t('invite_valid'), hours),
			h('div', { class: 'row' }, h('button', { type: 'submit' }, t('make_invite')))), async () => {
			const r = await SZ.api('/api/invite', { cell: cell.id, hours: Number(hours.value), name: who.value });
			drawInvite(out, r);
		}), out, revokeCard(), admitCard());
	}

	// Take an invitation back: it cannot be undone (the code is dead for good).
	async function revoke(code) {
		const ok = await SZ.confirm(t('revoke_q'), [t('revoke_means1'), t('revoke_means2')], t('revoke'));
		if (!ok)
			return false;
		const r = await SZ.api('/api/invite/revoke', { code });
		SZ.say(r.revoked === 'add' ? t('revoked_add', { who: SZ.personName(r.member) }) : t('revoked_code'));
		return true;
	}

	function revokeCard() {
		const code = h('textarea', { rows: 2, required: true, spellcheck: 'false', autocomplete: 'off' });
		const form = h('form', { class: 'card' }, h('h2', {}, t('revoke_title')), h('p', {}, t('revoke_intro')),
			SZ.field(t('revoke_code'), code), h('div', { class: 'row' }, h('button', { type: 'submit', class: 'danger' },
				t('revoke'))));
		return SZ.submit(form, async () => {
			if (await revoke(code.value))
				code.value = '';
		});
	}

	// The inviter's side of a courier join: a request in, an answer out.
	function admitCard() {
		const file = h('input', { type: 'file', required: true });
		const out = h('div', { 'aria-live': 'polite' });
		const form = h('form', { class: 'card' }, h('h2', {}, t('admit_title')), h('p', {}, t('admit_intro')),
			SZ.field(t('admit_file'), file), h('div', { class: 'row' }, h('button', { type: 'submit' }, t('admit'))), out);
		return SZ.submit(form, async () => {
			const r = await SZ.api('/api/admit', { data: await SZ.fileB64(file.files[0]) });
			SZ.saveB64(r.file, r.filename);
			file.value = '';
			SZ.clear(out).append(h('p', {}, t('admitted', { cell: r.cell || '?', name: r.filename })),
				h('p', {}, t('admitted_check')), h('p', {}, h('code', { class: 'fingerprint' }, r.member.fingerprint)));
		});
	}

	function drawInvite(out, r) {
		SZ.clear(out);
		const code = h('textarea', { readonly: true, rows: 3, id: 'invite-code', spellcheck: 'false' }, r.code);
		const copy = h('button', { type: 'button', class: 'secondary' }, t('copy'));
		copy.addEventListener('click', async () => {
			try {
				await navigator.clipboard.writeText(r.code);
				SZ.say(t('copied'));
			} catch (e) {
				code.select();
			}
		});
		out.append(h('div', { class: 'card' }, h('h2', {}, t('invite_ready')),
			SZ.field(t('invite_code'), code), h('div', { class: 'row' }, copy)));
		if (r.qr_svg) {
			// Our own SVG (src/web/web_text.c), parsed as XML: never as HTML.
			const doc = new DOMParser().parseFromString(r.qr_svg, 'image/svg+xml');
			const svg = document.importNode(doc.documentElement, true);
			svg.setAttribute('aria-label', t('qr_label'));
			svg.setAttribute('class', 'qr');
			out.lastChild.append(h('figure', {}, svg, h('figcaption', {}, t('qr_caption'))));
		}
		const tell = h('ul', {}, h('li', {}, t('tell_1')), h('li', {}, t('tell_2')),
			h('li', {}, t('tell_3', { when: SZ.when(r.expires_ms) })));
		out.lastChild.append(h('h3', {}, t('what_to_tell')), tell);
		if (!r.address)
			out.lastChild.append(h('p', { class: 'notice' }, t('no_address')));
		const back = h('button', { type: 'button', class: 'danger' }, t('revoke_this'));
		back.addEventListener('click', async () => {
			try {
				if (await revoke(r.code))
					SZ.clear(out);
			} catch (e) {
				SZ.say(e.message, 'error');
			}
		});
		out.lastChild.append(h('div', { class: 'row' }, back));
	}
})();
