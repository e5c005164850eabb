// BrowserChat: a WebRTC data-channel peer in plain JS, driven through the signaling server.
// It speaks the interop line protocol (tests/Interop/README.md) over the room's WebSocket:
//   signaling  {"type":"offer"|"answer","sdp"}, {"type":"candidate","candidate","mid"}
//   control    {"type":"control","action":"create"|"offer"|"close"|"quit", ...}
//   events     {"type":"event","event":"open"|"closed"|"state"|"version", ...}
// Every message received on any channel is echoed back (text as text, binary as binary), and a
// "chat" box sends text on the chat channel. Results the other side sends ({"type":"result"}) are
// shown; on {"type":"done"} the page sends a {"type":"report"} summary back through the socket.
(() => {
  const params = new URLSearchParams(location.search);
  const room = params.get('room') || 'demo';
  const $ = (id) => document.getElementById(id);
  $('room').textContent = room;
  $('agent').textContent = navigator.userAgent.replace(/.*(Chrom\w+\/[\d.]+).*/, '$1');

  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?room=${encodeURIComponent(room)}`);
  const pc = new RTCPeerConnection({ iceServers: [] });
  const channels = new Map();
  const echoed = {};
  const results = [];
  let remoteSet = false;
  const pendingCandidates = [];

  const send = (obj) => { if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj)); };
  // Setup timeline (issue 17): the first time of each step, in epoch ms (performance.timeOrigin +
  // now(): the same clock as the other processes on this machine, so a test can line up two pages
  // or a page and its peer). Sent as {"event":"timeline"} on request and with the report.
  const timeline = [];
  const seen = new Set();
  const mark = (step) => {
    if (seen.has(step)) return;
    seen.add(step);
    timeline.push([step, performance.timeOrigin + performance.now()]);
  };
  const log = (cls, text) => {
    const d = document.createElement('div');
    d.className = cls;
    d.textContent = `${(performance.now() / 1000).toFixed(2)}  ${text}`;
    $('log').appendChild(d);
    $('log').scrollTop = $('log').scrollHeight;
  };
  const size = (n) => n >= 1024 && n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`;
  const preview = (s) => s.length > 24 ? JSON.stringify(s.slice(0, 24)) + '…' : JSON.stringify(s);
  const renderChannels = () => {
    $('channels').replaceChildren(...[...channels.values()].map((ch) => {
      const s = document.createElement('span');
      s.className = ch.readyState;
      s.textContent = `${ch.label} #${ch.id}${ch.ordered ? '' : ' unordered'}${ch.maxRetransmits === 0 ? ' rtx=0' : ''}${ch.negotiated ? ' negotiated' : ''}`;
      return s;
    }));
    const chat = chatChannel();
    $('chatinput').disabled = $('chatsend').disabled = !chat;
  };
  const chatChannel = () => {
    for (const l of ['chat', 'reliable']) {
      const ch = channels.get(l);
      if (ch && ch.readyState === 'open') return ch;
    }
    return null;
  };

  function attach(ch) {
    ch.binaryType = 'arraybuffer';
    channels.set(ch.label, ch);
    const announceOpen = () => {
      if (ch._announced) return;
      ch._announced = true;
      mark('open ' + ch.label);
      send({ type: 'event', event: 'open', label: ch.label });
      log('sys', `channel ${ch.label} open`);
      renderChannels();
    };
    ch.onopen = announceOpen;
    ch.onclose = () => {
      send({ type: 'event', event: 'closed', label: ch.label });
      log('sys', `channel ${ch.label} closed`);
      renderChannels();
    };
    ch.onmessage = (e) => {
      const text = typeof e.data === 'string';
      const n = text ? new TextEncoder().encode(e.data).length : e.data.byteLength;
      const st = (echoed[ch.label] ||= { text: 0, binary: 0, bytes: 0 });
      st[text ? 'text' : 'binary']++;
      st.bytes += n;
      if (ch.label === 'chat') {
        // Chat: text is shown; binary is the C# peer's echo of what the page sent (not echoed
        // again, or the two sides would bounce it forever).
        log('in', `${ch.label} ◀ ${text ? e.data : `[binary ${size(n)}: ${[...new Uint8Array(e.data).slice(0, 8)].join(' ')}]`}`);
        return;
      }
      log('in', `${ch.label} ◀ ${text ? 'text' : 'binary'} ${size(n)}${text ? ' ' + preview(e.data) : ''}`);
      if (ch.readyState === 'open') {
        ch.send(e.data); // byte for byte: a string stays a string, an ArrayBuffer stays binary
        log('out', `${ch.label} ▶ echoed ${size(n)}`);
      }
    };
    if (ch.readyState === 'open') announceOpen();
    renderChannels();
  }

  pc.ondatachannel = (e) => { mark('datachannel ' + e.channel.label); attach(e.channel); };
  pc.onicecandidate = (e) => {
    if (e.candidate && e.candidate.candidate) {
      mark('first local candidate');
      send({ type: 'candidate', candidate: e.candidate.candidate, mid: e.candidate.sdpMid });
    } else {
      mark('end of local candidates');
    }
  };
  pc.onicegatheringstatechange = () => mark('ice gathering ' + pc.iceGatheringState);
  pc.oniceconnectionstatechange = () => mark('ice ' + pc.iceConnectionState);
  // The DTLS, ICE and SCTP transports exist once a description negotiated SCTP: their state
  // changes are the DTLS handshake start/end, the pair selection and the association.
  let hooked = false;
  const hookTransports = () => {
    const sctp = pc.sctp;
    if (hooked || !sctp) return;
    hooked = true;
    const dtls = sctp.transport, ice = dtls.iceTransport;
    mark('dtls ' + dtls.state);
    dtls.addEventListener('statechange', () => mark('dtls ' + dtls.state));
    ice.addEventListener('selectedcandidatepairchange', () => {
      const p = ice.getSelectedCandidatePair();
      mark(`pair selected (${p ? p.local.type + '/' + p.remote.type : '?'})`);
    });
    mark('sctp ' + sctp.state);
    sctp.addEventListener('statechange', () => mark('sctp ' + sctp.state));
  };
  async function setupStats() {
    const out = { pairs: 0, requestsSent: 0, requestsReceived: 0, responsesReceived: 0 };
    const all = {};
    (await pc.getStats()).forEach((r) => { all[r.id] = r; });
    for (const r of Object.values(all)) {
      if (r.type === 'candidate-pair') {
        out.pairs++;
        out.requestsSent += r.requestsSent || 0;
        out.requestsReceived += r.requestsReceived || 0;
        out.responsesReceived += r.responsesReceived || 0;
      } else if (r.type === 'transport') {
        Object.assign(out, { dtlsState: r.dtlsState, dtlsRole: r.dtlsRole, iceRole: r.iceRole,
          tlsVersion: r.tlsVersion, selectedCandidatePairChanges: r.selectedCandidatePairChanges });
        const p = all[r.selectedCandidatePairId];
        if (p) {
          const l = all[p.localCandidateId] || {}, rc = all[p.remoteCandidateId] || {};
          out.selected = { local: `${l.candidateType} ${l.address || ''}`, remote: `${rc.candidateType} ${rc.address || ''}`,
            requestsSent: p.requestsSent, responsesReceived: p.responsesReceived,
            requestsReceived: p.requestsReceived, rttMs: Math.round((p.currentRoundTripTime || 0) * 1000) };
        }
      }
    }
    return out;
  }
  async function sendTimeline() {
    let stats = null;
    try { stats = await setupStats(); } catch (err) { stats = { error: String(err) }; }
    send({ type: 'event', event: 'timeline', clock: 'epoch-ms', points: timeline, stats });
  }
  pc.onconnectionstatechange = () => {
    mark('connection ' + pc.connectionState);
    $('pcstate').textContent = pc.connectionState;
    send({ type: 'event', event: 'state', state: pc.connectionState });
    log('sys', `connection ${pc.connectionState}`);
  };

  async function addCandidate(m) {
    let c = m.candidate || '';
    if (c.startsWith('a=')) c = c.slice(2);
    if (!c.trim()) return;
    mark('first remote candidate');
    await pc.addIceCandidate({ candidate: c, sdpMid: m.mid || '0', sdpMLineIndex: 0 });
  }
  async function remoteDescriptionSet() {
    remoteSet = true;
    for (const m of pendingCandidates.splice(0)) await addCandidate(m);
  }

  function create(m) {
    let ch;
    if (m.kind === 'unreliable') ch = pc.createDataChannel(m.label, { ordered: false, maxRetransmits: 0 });
    else if (m.kind === 'negotiated') ch = pc.createDataChannel(m.label, { negotiated: true, id: m.id });
    else ch = pc.createDataChannel(m.label);
    attach(ch);
  }

  function showResult(r) {
    results.push(r);
    const tr = document.createElement('tr');
    const cells = [r.kind, r.check, r.ok ? '✓' : '✗', r.detail];
    cells.forEach((v, i) => {
      const td = document.createElement('td');
      td.textContent = v;
      if (i === 2) td.className = r.ok ? 'ok' : 'fail';
      if (i === 3) { td.className = 'detail'; td.title = v; }
      tr.appendChild(td);
    });
    $('checks').tBodies[0].appendChild(tr);
    const failed = results.filter((x) => !x.ok).length;
    $('summary').textContent = `${results.length - failed} passed, ${failed} failed`;
    $('summary').className = failed ? 'fail' : 'pass';
  }

  async function handle(m) {
    switch (m.type) {
      case 'joined':
        $('sig').textContent = m.peers === 2 ? 'paired' : 'waiting for peer';
        if (m.peers === 2) sendVersion();
        break;
      case 'peer-joined': $('sig').textContent = 'paired'; sendVersion(); break;
      case 'peer-left': $('sig').textContent = 'peer left'; break;
      case 'offer':
        mark('remote offer received');
        await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
        mark('remote offer applied');
        await remoteDescriptionSet();
        await pc.setLocalDescription(await pc.createAnswer());
        mark('local answer');
        hookTransports();
        send({ type: 'answer', sdp: pc.localDescription.sdp });
        log('sys', 'offer received, answer sent');
        break;
      case 'answer':
        mark('remote answer received');
        await pc.setRemoteDescription({ type: 'answer', sdp: m.sdp });
        mark('remote answer applied');
        hookTransports();
        await remoteDescriptionSet();
        log('sys', 'answer received');
        break;
      case 'candidate':
        if (remoteSet) await addCandidate(m); else pendingCandidates.push(m);
        break;
      case 'control':
        if (m.action === 'create') create(m);
        else if (m.action === 'offer') {
          mark('offer asked');
          await pc.setLocalDescription(await pc.createOffer());
          mark('local offer');
          send({ type: 'offer', sdp: pc.localDescription.sdp });
          log('sys', 'offer sent');
        } else if (m.action === 'close') {
          const ch = channels.get(m.label);
          if (ch) { log('sys', `closing ${m.label} (asked by the other side)`); ch.close(); }
        } else if (m.action === 'timeline') {
          await sendTimeline();
        } else if (m.action === 'quit') {
          log('sys', 'the other side is done');
        }
        break;
      case 'chat': // the C# BrowserChat peer's chat lines are plain data-channel text; nothing here
        break;
      case 'result': showResult(m); break;
      case 'done': {
        await sendTimeline();
        const failed = results.filter((x) => !x.ok).length;
        send({ type: 'report', ok: failed === 0 && results.length > 0, passed: results.length - failed,
               failed, echoed, userAgent: navigator.userAgent });
        document.body.dataset.done = failed === 0 ? 'pass' : 'fail';
        log('sys', `done: ${results.length - failed} passed, ${failed} failed`);
        break;
      }
    }
  }

  let queue = Promise.resolve();
  const sendVersion = () => send({ type: 'event', event: 'version', peer: 'chromium',
    version: (navigator.userAgent.match(/Chrom\w+\/([\d.]+)/) || [])[1] || navigator.userAgent });
  ws.onopen = () => { $('sig').textContent = 'open'; };
  ws.onclose = () => { $('sig').textContent = 'closed'; };
  ws.onmessage = (e) => {
    let m;
    try { m = JSON.parse(e.data); } catch { return; }
    queue = queue.then(() => handle(m)).catch((err) => {
      log('sys', `error: ${err}`);
      send({ type: 'event', event: 'error', message: String(err) });
    });
  };

  // Binary on the chat channel (the C# peer echoes it back).
  window.sendBinary = (bytes) => {
    const ch = chatChannel();
    if (!ch) return false;
    ch.send(new Uint8Array(bytes).buffer);
    log('out', `${ch.label} ▶ [binary ${bytes.length} B]`);
    return true;
  };
  $('chatform').onsubmit = (e) => {
    e.preventDefault();
    const ch = chatChannel();
    const text = $('chatinput').value;
    if (!ch || !text) return;
    ch.send(text);
    log('out', `${ch.label} ▶ ${text}`);
    $('chatinput').value = '';
  };
  window.webrtcDemo = { pc, channels, results, echoed };
})();
