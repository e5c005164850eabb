// pion echo peer for the WebRtcNative interop matrix.
//
// Speaks the line-based JSON protocol of tests/Interop/README.md on stdin/stdout (signaling,
// control and events, see aiortc_peer.py for the list). Every message received on any channel is
// echoed back on the same channel, text as text and binary as binary.
//
// Built offline in GOPATH mode against Debian's golang-github-pion-webrtc.v3-dev by
// scripts/interop/build-pion.sh. Run it inside a network namespace (no STUN/TURN configured).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/pion/ice/v2"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v3"
)

const pionVersion = "3.1.56"

type message map[string]interface{}

var (
	outMu sync.Mutex
	out   = bufio.NewWriter(os.Stdout)
)

func emit(m message) {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	outMu.Lock()
	out.Write(b)
	out.WriteByte('\n')
	out.Flush()
	outMu.Unlock()
}

func logf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "[pion] "+format+"\n", args...)
}

type peer struct {
	pc        *webrtc.PeerConnection
	mu        sync.Mutex
	channels  map[string]*webrtc.DataChannel
	pending   []message
	remoteSet bool
}

func (p *peer) attach(dc *webrtc.DataChannel) {
	label := dc.Label()
	p.mu.Lock()
	p.channels[label] = dc
	p.mu.Unlock()
	dc.OnOpen(func() { emit(message{"type": "event", "event": "open", "label": label}) })
	dc.OnClose(func() { emit(message{"type": "event", "event": "closed", "label": label}) })
	dc.OnMessage(func(msg webrtc.DataChannelMessage) {
		var err error
		if msg.IsString {
			err = dc.SendText(string(msg.Data))
		} else {
			err = dc.Send(msg.Data)
		}
		if err != nil {
			logf("echo on %s (%d bytes): %v", label, len(msg.Data), err)
		}
	})
}

func str(m message, k string) string {
	if v, ok := m[k].(string); ok {
		return v
	}
	return ""
}

func (p *peer) create(label, kind string, id float64) error {
	init := &webrtc.DataChannelInit{}
	switch kind {
	case "reliable":
	case "unreliable":
		ordered := false
		var zero uint16
		init.Ordered = &ordered
		init.MaxRetransmits = &zero
	case "negotiated":
		neg := true
		sid := uint16(id)
		init.Negotiated = &neg
		init.ID = &sid
	default:
		return fmt.Errorf("unknown kind %q", kind)
	}
	dc, err := p.pc.CreateDataChannel(label, init)
	if err != nil {
		return err
	}
	p.attach(dc)
	return nil
}

func (p *peer) addCandidate(m message) error {
	c := strings.TrimPrefix(str(m, "candidate"), "a=")
	if strings.TrimSpace(c) == "" {
		return nil
	}
	mid := str(m, "mid")
	var idx uint16
	init := webrtc.ICECandidateInit{Candidate: c, SDPMLineIndex: &idx}
	if mid != "" {
		init.SDPMid = &mid
	}
	return p.pc.AddICECandidate(init)
}

func (p *peer) flushCandidates() {
	p.mu.Lock()
	p.remoteSet = true
	pending := p.pending
	p.pending = nil
	p.mu.Unlock()
	for _, m := range pending {
		if err := p.addCandidate(m); err != nil {
			logf("candidate: %v", err)
		}
	}
}

func (p *peer) handle(m message) (quit bool, err error) {
	switch str(m, "type") {
	case "offer":
		if err = p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: str(m, "sdp")}); err != nil {
			return
		}
		p.flushCandidates()
		answer, e := p.pc.CreateAnswer(nil)
		if e != nil {
			return false, e
		}
		if err = p.pc.SetLocalDescription(answer); err != nil {
			return
		}
		emit(message{"type": "answer", "sdp": answer.SDP})
	case "answer":
		if err = p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: str(m, "sdp")}); err != nil {
			return
		}
		p.flushCandidates()
	case "candidate":
		p.mu.Lock()
		if !p.remoteSet {
			p.pending = append(p.pending, m)
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		err = p.addCandidate(m)
	case "control":
		switch str(m, "action") {
		case "create":
			id, _ := m["id"].(float64)
			err = p.create(str(m, "label"), str(m, "kind"), id)
		case "offer":
			offer, e := p.pc.CreateOffer(nil)
			if e != nil {
				return false, e
			}
			if err = p.pc.SetLocalDescription(offer); err != nil {
				return
			}
			emit(message{"type": "offer", "sdp": offer.SDP})
		case "restart":
			// ICE restart (RFC 8445 section 9): an offer with new ICE credentials.
			offer, e := p.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: true})
			if e != nil {
				return false, e
			}
			if err = p.pc.SetLocalDescription(offer); err != nil {
				return
			}
			emit(message{"type": "offer", "sdp": offer.SDP})
		case "close":
			p.mu.Lock()
			dc := p.channels[str(m, "label")]
			p.mu.Unlock()
			if dc == nil {
				return false, fmt.Errorf("close: no channel %q", str(m, "label"))
			}
			err = dc.Close()
		case "quit":
			return true, nil
		case "version":
			emit(message{"type": "event", "event": "version", "peer": "pion", "version": pionVersion})
		}
	}
	return
}

func main() {
	se := webrtc.SettingEngine{}
	// pion logs to stdout by default (PION_LOG_* env vars): keep stdout for the protocol.
	lf := logging.NewDefaultLoggerFactory()
	lf.Writer = os.Stderr
	se.LoggerFactory = lf
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(webrtc.Configuration{}) // no ICE servers
	if err != nil {
		logf("NewPeerConnection: %v", err)
		os.Exit(1)
	}
	p := &peer{pc: pc, channels: map[string]*webrtc.DataChannel{}}
	pc.OnDataChannel(func(dc *webrtc.DataChannel) { p.attach(dc) })
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		j := c.ToJSON()
		mid := ""
		if j.SDPMid != nil {
			mid = *j.SDPMid
		}
		emit(message{"type": "candidate", "candidate": j.Candidate, "mid": mid})
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		emit(message{"type": "event", "event": "state", "state": s.String()})
	})
	emit(message{"type": "event", "event": "version", "peer": "pion", "version": pionVersion})

	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		var m message
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			logf("bad line: %v", err)
			continue
		}
		quit, err := p.handle(m)
		if err != nil {
			logf("error handling %s: %v", str(m, "type"), err)
			emit(message{"type": "event", "event": "error", "message": err.Error()})
		}
		if quit {
			break
		}
	}
	pc.Close()
}
