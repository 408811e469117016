import { LitElement, html, css } from 'lit';
import { JsonRpc } from 'jsonrpc';

/**
 * The etcd registry as this application sees it: what it registered, what it discovers, the etcd it talks to.
 * Refreshed every 2 s from EtcdDevUiRpc.getState (no etcd call: what the extension already knows).
 */
export class QwcEtcdRegistry extends LitElement {

    jsonRpc = new JsonRpc(this);

    static styles = css`
        :host { display: flex; flex-direction: column; gap: 1.2em; padding: 1em; }
        h3 { margin: 0 0 .4em 0; font-size: 1.05em; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: .3em .8em .3em 0; border-bottom: 1px solid var(--lumo-contrast-10pct); vertical-align: top; }
        th { color: var(--lumo-secondary-text-color); font-weight: normal; }
        code { font-family: var(--lumo-font-family-monospace, monospace); }
        .down { color: var(--lumo-error-text-color); }
        .up { color: var(--lumo-success-text-color); }
        .muted { color: var(--lumo-secondary-text-color); }
    `;

    static properties = {
        _state: { state: true },
    };

    connectedCallback() {
        super.connectedCallback();
        this._load();
        this._timer = setInterval(() => this._load(), 2000);
    }

    disconnectedCallback() {
        clearInterval(this._timer);
        super.disconnectedCallback();
    }

    _load() {
        this.jsonRpc.getState().then(response => { this._state = response.result; });
    }

    render() {
        if (!this._state) {
            return html`<span class="muted">Loading...</span>`;
        }
        const s = this._state;
        return html`
            <section>
                <h3>etcd</h3>
                <table>
                    <tr><th>endpoints</th><td><code>${s.endpoints.join(', ')}</code></td></tr>
                    <tr><th>key prefix</th><td><code>${s.prefix}</code></td></tr>
                    <tr><th>request timeout</th><td>${s.requestTimeout}</td></tr>
                    <tr><th>last failure</th><td class="${s.lastFailure ? 'down' : 'up'}">${s.lastFailure ?? 'none since the last success'}</td></tr>
                </table>
            </section>
            <section>
                <h3>Registrations held</h3>
                ${s.registrations.length === 0 ? html`<span class="muted">This application registers nothing.</span>` : html`
                <table>
                    <tr><th>service</th><th>key</th><th>lease</th><th>TTL</th></tr>
                    ${s.registrations.map(r => html`<tr>
                        <td>${r.service}</td>
                        ${r.key ? html`<td><code>${r.key}</code></td><td><code>${r.lease}</code></td>`
                                : html`<td colspan="2" class="down">${r.notListed}</td>`}
                        <td>${r.ttl}</td></tr>`)}
                </table>`}
            </section>
            <section>
                <h3>Services discovered</h3>
                ${s.services.length === 0 ? html`<span class="muted">This application discovers nothing through etcd.</span>` : html`
                <table>
                    <tr><th>service</th><th>instance</th><th>key</th><th>labels</th></tr>
                    ${s.services.map(d => d.instances === null
                        ? html`<tr><td>${d.service}</td><td colspan="3" class="muted">not looked up yet (<code>${d.prefix}</code>)</td></tr>`
                        : d.instances.length === 0
                            ? html`<tr><td>${d.service}</td><td colspan="3" class="down">no instance under <code>${d.prefix}</code></td></tr>`
                            : d.instances.map((i, n) => html`<tr>
                                <td>${n === 0 ? d.service : ''}</td><td><code>${i.address}</code></td><td><code>${i.key}</code></td>
                                <td>${Object.entries(i.labels).map(([k, v]) => html`<code>${k}=${v}</code> `)}</td></tr>`))}
                </table>`}
            </section>`;
    }
}
customElements.define('qwc-etcd-registry', QwcEtcdRegistry);
