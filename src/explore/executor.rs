//! Sending operations to the target over HTTP, as a merchant would: one request per operation
//! (two at once for operations sent together), on the orders of one execution of a sequence.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::gate::{ACCOUNT, CURRENCY, OTHER_CURRENCY, WRONG_KEY};
use super::op::{AutoDate, GateCurrency, GateOp, Lookup, Op, Register};
use crate::engine::clock::{CLOCK_PATH, TargetClock};
use crate::engine::http::{TransportError, send};
use crate::gateway::clock::EpochMillis;
use crate::gateway::v1::model::Family;
use crate::secret::Masker;
use crate::suite::api::Api;
use crate::suite::target::Target;

/// The largest answer read.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A password no merchant has.
pub const WRONG_PASSWORD: &str = "not-the-password";

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
}

/// A merchant's credentials.
#[derive(Debug, Clone)]
struct Credentials {
    user: String,
    password: String,
}

/// A Gate v2 project's credentials.
#[derive(Debug, Clone)]
pub struct Project {
    /// `general.project_id`.
    pub id: u64,
    /// The key requests and callbacks are signed with.
    pub key: String,
}

/// How to reach the target: its base URLs, merchants and cards, its clock.
#[derive(Debug)]
pub struct Wire {
    client: reqwest::Client,
    router: Option<String>,
    bank: Option<String>,
    gate: Option<String>,
    project: Option<Project>,
    callback_token: Option<String>,
    callback_url: Option<String>,
    merchants: BTreeMap<String, Credentials>,
    cards: BTreeMap<String, [String; 4]>,
    clock: TargetClock,
    clock_url: Option<String>,
    clock_anchor: Mutex<Option<(EpochMillis, Instant)>>,
    timeout: Duration,
    run: u64,
    executions: AtomicU64,
}

impl Wire {
    /// The wire to `target`, whose clock is `clock`.
    pub fn new(client: reqwest::Client, target: &Target, clock: TargetClock, timeout: Duration) -> Wire {
        let merchants = target
            .merchants
            .iter()
            .filter_map(|(role, m)| {
                Some((
                    role.clone(),
                    Credentials { user: m.fields.get("user")?.clone(), password: m.fields.get("password")?.clone() },
                ))
            })
            .collect();
        let cards = target
            .cards
            .iter()
            .filter_map(|(role, c)| {
                let field = |name: &str| c.get(name).cloned();
                Some((role.clone(), [field("pan")?, field("expiry")?, field("cvc")?, field("holder")?]))
            })
            .collect();
        let run = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64 & 0xFF_FFFF_FFFF);
        let project = target.merchants.get(super::gate::PROJECT_ROLE).and_then(|m| {
            Some(Project {
                id: m.fields.get("project_id")?.trim().parse().ok()?,
                key: m.fields.get("secret_key")?.clone(),
            })
        });
        let callback_token = target.merchants.get("main").and_then(|m| m.fields.get("callback_token")).cloned();
        Wire {
            client,
            router: target.base_url(Api::Router).map(|u| u.trim_end_matches('/').to_string()),
            bank: target.base_url(Api::Bank).map(|u| u.trim_end_matches('/').to_string()),
            gate: target.base_url(Api::Gate).map(|u| u.trim_end_matches('/').to_string()),
            project,
            callback_token,
            callback_url: None,
            merchants,
            cards,
            clock_url: target.root.as_ref().filter(|_| clock.is_manual()).map(|root| format!("{root}{CLOCK_PATH}")),
            clock,
            clock_anchor: Mutex::new(None),
            timeout,
            run,
            executions: AtomicU64::new(0),
        }
    }

    /// Whether the target's clock is manual (time operations are possible).
    pub fn manual_clock(&self) -> bool {
        self.clock.is_manual()
    }

    /// Whether the target offers `family`.
    pub fn offers(&self, family: Family) -> bool {
        match family {
            Family::Router => self.router.is_some(),
            Family::Bank => self.bank.is_some(),
        }
    }

    /// Whether the target offers Gate v2 and names its `gate` project.
    pub fn offers_gate(&self) -> bool {
        self.gate.is_some() && self.project.is_some()
    }

    /// The Gate v2 project sequences act as.
    pub fn project(&self) -> Option<&Project> {
        self.project.as_ref()
    }

    /// The main merchant's callback token (v1 checksums), if the target names one.
    pub fn callback_token(&self) -> Option<&str> {
        self.callback_token.as_deref()
    }

    /// Gives requests this callback URL (`dynamicCallbackUrl`, `merchant_callback_url`).
    pub fn set_callback_url(&mut self, url: String) {
        self.callback_url = Some(url);
    }

    /// Whether operations may ask for callbacks: the listener runs and the main merchant can
    /// verify v1 ones.
    pub fn callbacks(&self) -> bool {
        self.callback_url.is_some()
    }

    /// Whether the target has the merchant role.
    pub fn has_merchant(&self, role: &str) -> bool {
        self.merchants.contains_key(role)
    }

    /// The target's time: its manual clock's, or this machine's. A manual clock is read once
    /// (and again after each advance) and then runs on with this machine's: between advances a
    /// manual clock moves with real time, and only the explorer advances it.
    pub async fn now(&self) -> Result<EpochMillis, String> {
        let Some(url) = &self.clock_url else {
            return Ok(jiff::Timestamp::now().as_millisecond());
        };
        if let Some((read, at)) = *lock(&self.clock_anchor) {
            let elapsed = i64::try_from(at.elapsed().as_millis()).unwrap_or(i64::MAX);
            return Ok(read.saturating_add(elapsed));
        }
        let received =
            send(self.client.get(url), self.timeout, 64 * 1024).await.map_err(|e| e.describe(&Masker::default()))?;
        let body: Value = serde_json::from_slice(&received.body).unwrap_or(Value::Null);
        let now = body.get("nowMs").and_then(Value::as_i64).ok_or_else(|| format!("{url} answered no `nowMs`"))?;
        *lock(&self.clock_anchor) = Some((now, Instant::now()));
        Ok(now)
    }

    /// Advances the target's manual clock.
    pub async fn advance(&self, seconds: u64) -> Result<(), String> {
        *lock(&self.clock_anchor) = None;
        self.clock.pass(&self.client, Duration::from_secs(seconds)).await
    }

    /// The client every exchange goes through.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// A new execution of a sequence as `merchant` on `family`: fresh order numbers and refund ids.
    pub fn execution(&self, family: Family, merchant: &str) -> Execution<'_> {
        let n = self.executions.fetch_add(1, Ordering::Relaxed);
        Execution {
            wire: self,
            family,
            merchant: if self.has_merchant(merchant) { merchant.to_string() } else { "main".to_string() },
            prefix: format!("x{:x}{:x}", self.run, n),
            order_ids: BTreeMap::new(),
            numbers: BTreeMap::new(),
            pages: BTreeMap::new(),
            alfapay_pages: BTreeMap::new(),
        }
    }
}

/// Why an operation got no answer.
#[derive(Debug)]
pub enum Failure {
    /// The transport failed.
    Transport(Box<TransportError>),
    /// The operation cannot be sent (a missing merchant or card, an order never made).
    Unsendable(String),
}

/// One run of a sequence's operations against the target.
#[derive(Debug)]
pub struct Execution<'a> {
    wire: &'a Wire,
    family: Family,
    merchant: String,
    prefix: String,
    order_ids: BTreeMap<usize, String>,
    numbers: BTreeMap<usize, usize>,
    pages: BTreeMap<usize, String>,
    alfapay_pages: BTreeMap<usize, String>,
}

/// A request: method path and parameters (in the body or the query string).
#[derive(Debug, Clone)]
struct Request {
    method: &'static str,
    body: Map<String, Value>,
    query: Vec<(String, String)>,
}

impl Execution<'_> {
    /// The merchant's order number for number index `n`.
    pub fn order_number(&self, n: usize) -> String {
        format!("{}n{n}", self.prefix)
    }

    /// The prefix of every order number and payment id of this execution.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The target's id of the order in `slot`, once registered.
    pub fn order_id_of(&self, slot: usize) -> Option<&str> {
        self.order_ids.get(&slot).map(String::as_str)
    }

    /// The `payment_id` of Gate v2 payment id index `n`.
    pub fn payment_id(&self, n: usize) -> String {
        format!("{}i{n}", self.prefix)
    }

    /// The `payment_id` of the payment in `slot`, once its sale was sent.
    pub fn payment_id_of(&self, slot: usize) -> Option<String> {
        self.numbers.get(&slot).map(|n| self.payment_id(*n))
    }

    /// Remembers the payer's page of the payment in `slot` (from its redirect callback).
    pub fn set_page(&mut self, slot: usize, url: String) {
        self.pages.insert(slot, url);
    }

    /// Sends `op` (a single operation, not a wait) at model time `now`.
    pub async fn send(&mut self, op: &Op, now: EpochMillis) -> Result<Answer, Failure> {
        if let Op::Gate(op) = op {
            return self.send_gate(op).await;
        }
        if let Op::AlfaPayer { slot, approve } = op {
            return self.press_alfapay(*slot, *approve).await;
        }
        let request = self.request(op, now)?;
        let answer = self.post(request).await.map_err(|e| Failure::Transport(Box::new(e)))?;
        if let Op::Register(r) | Op::Instant { register: r, .. } = op
            && let Some(id) = answer.body.get("orderId").and_then(Value::as_str)
        {
            self.order_ids.insert(r.slot, id.to_string());
            self.numbers.insert(r.slot, r.number);
        }
        if let Op::AlfaPay { slot } = op
            && let Some(url) = answer.body.pointer("/data/redirect").and_then(Value::as_str)
            && super::page_url_usable(url)
        {
            self.alfapay_pages.insert(*slot, url.to_string());
        }
        Ok(answer)
    }

    /// The payer approves or declines on the Alfa Pay page of the order in `slot`: a form posted
    /// to `<page>/approve` or `<page>/decline` (the reference gateway's page; spec 2.4 names no
    /// page of its own).
    async fn press_alfapay(&self, slot: usize, approve: bool) -> Result<Answer, Failure> {
        let page = self
            .alfapay_pages
            .get(&slot)
            .ok_or_else(|| Failure::Unsendable(format!("no Alfa Pay page for o{slot}")))?;
        let button = if approve { "approve" } else { "decline" };
        let builder = self.wire.client.post(format!("{}/{button}", page.trim_end_matches('/')));
        let received =
            send(builder, self.wire.timeout, MAX_BODY_BYTES).await.map_err(|e| Failure::Transport(Box::new(e)))?;
        Ok(Answer { status: received.status, body: Value::Null })
    }

    /// Sends `ops` at the same moment; their answers in the same order.
    pub async fn send_together(&mut self, ops: &[Op], now: EpochMillis) -> Result<Vec<Answer>, Failure> {
        let requests = ops.iter().map(|op| self.request(op, now)).collect::<Result<Vec<_>, _>>()?;
        let answers = futures::future::join_all(requests.into_iter().map(|r| self.post(r))).await;
        answers.into_iter().map(|a| a.map_err(|e| Failure::Transport(Box::new(e)))).collect()
    }

    fn credentials(&self, role: &str) -> Result<&Credentials, Failure> {
        self.wire.merchants.get(role).ok_or_else(|| Failure::Unsendable(format!("the target has no merchant `{role}`")))
    }

    fn card(&self, card: super::op::Card) -> Result<&[String; 4], Failure> {
        self.wire
            .cards
            .get(card.role())
            .ok_or_else(|| Failure::Unsendable(format!("the target has no `{}` card", card.role())))
    }

    fn order_id(&self, slot: usize) -> Result<String, Failure> {
        self.order_ids.get(&slot).cloned().ok_or_else(|| Failure::Unsendable(format!("order o{slot} was never made")))
    }

    /// The fields of a new order that `register.do`, `registerPreAuth.do` and
    /// `instantPayment.do` share: its number, amount, return URL, lifetime and callback URL.
    fn order_fields(&self, body: &mut Map<String, Value>, r: &Register) -> Result<(), Failure> {
        body.insert("orderNumber".into(), json!(self.order_number(r.number)));
        body.insert("amount".into(), json!(r.amount.to_string()));
        body.insert("returnUrl".into(), json!(super::oracle::RETURN_URL));
        if let Some(secs) = r.lifetime_secs {
            body.insert("sessionTimeoutSecs".into(), json!(secs.to_string()));
        }
        if r.callback {
            let url =
                self.wire.callback_url.as_deref().ok_or_else(|| Failure::Unsendable("no callback listener".into()))?;
            body.insert("dynamicCallbackUrl".into(), json!(url));
        }
        Ok(())
    }

    fn request(&self, op: &Op, now: EpochMillis) -> Result<Request, Failure> {
        let own = self.credentials(&self.merchant)?;
        let mut body = Map::new();
        let mut query = Vec::new();
        let login = |body: &mut Map<String, Value>, who: &Credentials, password: Option<&str>| {
            body.insert("userName".into(), json!(who.user));
            body.insert("password".into(), json!(password.unwrap_or(&who.password)));
        };
        let method = match op {
            Op::Register(r) => {
                login(&mut body, own, None);
                self.order_fields(&mut body, r)?;
                match r.auto {
                    Some(AutoDate::Completion(s)) => {
                        body.insert("autocompletionDate".into(), json!(utc_datetime(now, s)));
                    }
                    Some(AutoDate::Reverse(s)) => {
                        body.insert("autoReverseDate".into(), json!(utc_datetime(now, s)));
                    }
                    None => {}
                }
                if r.two_phase { "registerPreAuth.do" } else { "register.do" }
            }
            Op::Pay { slot, card } => {
                login(&mut body, own, None);
                let [pan, expiry, cvc, holder] = self.card(*card)?;
                body.insert("MDORDER".into(), json!(self.order_id(*slot)?));
                body.insert("$PAN".into(), json!(pan));
                body.insert("$CVC".into(), json!(cvc));
                body.insert("$EXPIRY".into(), json!(expiry));
                body.insert("TEXT".into(), json!(holder));
                "paymentorder.do"
            }
            Op::Instant { register: r, card } => {
                login(&mut body, own, None);
                let [pan, expiry, cvc, holder] = self.card(*card)?;
                self.order_fields(&mut body, r)?;
                if r.two_phase {
                    body.insert("preAuth".into(), json!("true"));
                }
                body.insert("pan".into(), json!(pan));
                body.insert("cvc".into(), json!(cvc));
                body.insert("expiry".into(), json!(expiry));
                body.insert("cardholderName".into(), json!(holder));
                "instantPayment.do"
            }
            Op::AlfaPay { slot } => {
                login(&mut body, own, None);
                body.insert("orderId".into(), json!(self.order_id(*slot)?));
                "alfapay/paymentOrder.do"
            }
            Op::Deposit { slot, amount } | Op::Reverse { slot, amount } => {
                login(&mut body, own, None);
                body.insert("orderId".into(), json!(self.order_id(*slot)?));
                if let Some(a) = amount {
                    body.insert("amount".into(), json!(a.to_string()));
                }
                if matches!(op, Op::Deposit { .. }) { "deposit.do" } else { "reverse.do" }
            }
            Op::Decline { slot } => {
                login(&mut body, own, None);
                body.insert("orderId".into(), json!(self.order_id(*slot)?));
                "decline.do"
            }
            Op::Refund { slot, refund } => {
                login(&mut body, own, None);
                body.insert("orderId".into(), json!(self.order_id(*slot)?));
                if let Some(a) = refund.amount {
                    body.insert("amount".into(), json!(a.to_string()));
                }
                if let Some(id) = refund.external_id {
                    body.insert("externalRefundId".into(), json!(format!("{}r{id}", self.prefix)));
                }
                if let Some(e) = refund.expected_deposited {
                    body.insert("expectedDepositedAmount".into(), json!(e.to_string()));
                }
                if let (true, Some(a)) = (refund.items, refund.amount) {
                    let items = json!({"items": [{"positionId": "1", "itemAmount": a}]});
                    let items = match self.family {
                        Family::Router => items,
                        Family::Bank => json!(items.to_string()),
                    };
                    body.insert("refundItems".into(), items);
                }
                "refund.do"
            }
            Op::Status { slot, lookup } => {
                let id = self.order_id(*slot)?;
                match lookup {
                    Lookup::WrongPassword => login(&mut body, own, Some(WRONG_PASSWORD)),
                    Lookup::Foreign => login(&mut body, self.credentials("second")?, None),
                    _ => login(&mut body, own, None),
                }
                match lookup {
                    Lookup::ByNumber => {
                        let number = self.number_of(*slot)?;
                        body.insert("orderNumber".into(), json!(number));
                    }
                    Lookup::QueryString => query.push(("orderId".to_string(), id)),
                    _ => {
                        body.insert("orderId".into(), json!(id));
                    }
                }
                if *lookup == Lookup::Legacy { "getOrderStatus.do" } else { "getOrderStatusExtended.do" }
            }
            Op::Unknown { legacy } => {
                login(&mut body, own, None);
                body.insert("orderId".into(), json!(unknown_order_id(&self.prefix)));
                if *legacy { "getOrderStatus.do" } else { "getOrderStatusExtended.do" }
            }
            Op::Wait { .. } | Op::Together(_) | Op::Gate(_) | Op::AlfaPayer { .. } => {
                return Err(Failure::Unsendable(format!("`{op}` is not a v1 request")));
            }
        };
        Ok(Request { method, body, query })
    }

    /// Sends a Gate v2 operation: a signed JSON request, or the payer's press on the page.
    async fn send_gate(&mut self, op: &GateOp) -> Result<Answer, Failure> {
        let base = self.wire.gate.clone().ok_or_else(|| Failure::Unsendable("the target offers no Gate v2".into()))?;
        let project = self
            .wire
            .project
            .clone()
            .ok_or_else(|| Failure::Unsendable("the target names no `gate` project".into()))?;
        if let GateOp::Payer { slot, success } = op {
            let page =
                self.pages.get(slot).cloned().ok_or_else(|| Failure::Unsendable(format!("no page for p{slot}")))?;
            let button = if *success { "success" } else { "decline" };
            let builder = self.wire.client.post(page).form(&[("button", button)]);
            let received =
                send(builder, self.wire.timeout, MAX_BODY_BYTES).await.map_err(|e| Failure::Transport(Box::new(e)))?;
            return Ok(Answer { status: received.status, body: Value::Null });
        }
        let callback = |on: bool| on.then(|| self.wire.callback_url.clone()).flatten();
        let ip = "1.1.1.1";
        let (path, mut body, forged) = match op {
            GateOp::Sale { slot, number, amount, forged, callback: wanted } => {
                let payment_id = self.payment_id(*number);
                let mut general = json!({"project_id": project.id, "payment_id": payment_id});
                if let Some(url) = callback(*wanted) {
                    general["merchant_callback_url"] = json!(url);
                }
                let body = json!({
                    "general": general,
                    "customer": {"id": "customer", "ip_address": ip, "account_id": ACCOUNT},
                    "payment": {"amount": amount, "currency": CURRENCY},
                });
                if !forged {
                    self.numbers.insert(*slot, *number);
                }
                ("v2/payment/online-banking/alfa-click/sale", body, *forged)
            }
            GateOp::Refund { slot, amount, currency, forged, callback: wanted } => {
                let payment_id =
                    self.payment_id_of(*slot).ok_or_else(|| Failure::Unsendable(format!("no payment p{slot}")))?;
                let mut general = json!({"project_id": project.id, "payment_id": payment_id});
                if let Some(url) = callback(*wanted) {
                    general["merchant_callback_url"] = json!(url);
                }
                let mut payment = json!({"description": "refund"});
                if let Some(a) = amount {
                    payment["amount"] = json!(a);
                }
                match currency {
                    GateCurrency::Payment => payment["currency"] = json!(CURRENCY),
                    GateCurrency::Other => payment["currency"] = json!(OTHER_CURRENCY),
                    GateCurrency::Omitted => {}
                }
                let body = json!({"general": general, "customer": {"ip_address": ip}, "payment": payment});
                ("v2/payment/online-banking/alfa-click/refund", body, *forged)
            }
            GateOp::Status { slot } => {
                let payment_id =
                    self.payment_id_of(*slot).ok_or_else(|| Failure::Unsendable(format!("no payment p{slot}")))?;
                let body = json!({"general": {"project_id": project.id, "payment_id": payment_id}});
                ("v2/payment/status", body, false)
            }
            GateOp::Unknown => {
                let payment_id = format!("{}unknown", self.prefix);
                let body = json!({"general": {"project_id": project.id, "payment_id": payment_id}});
                ("v2/payment/status", body, false)
            }
            GateOp::Payer { .. } => return Err(Failure::Unsendable("the payer's press is no Gate request".into())),
        };
        let key = if forged { WRONG_KEY } else { project.key.as_str() };
        body["general"]["signature"] = json!(crate::signature::gate::sign(&body, key));
        let builder = self.wire.client.post(format!("{base}/{path}")).json(&body);
        let received =
            send(builder, self.wire.timeout, MAX_BODY_BYTES).await.map_err(|e| Failure::Transport(Box::new(e)))?;
        let body = serde_json::from_slice(&received.body).unwrap_or(Value::Null);
        Ok(Answer { status: received.status, body })
    }

    fn number_of(&self, slot: usize) -> Result<String, Failure> {
        self.numbers
            .get(&slot)
            .map(|n| self.order_number(*n))
            .ok_or_else(|| Failure::Unsendable(format!("order o{slot} has no number")))
    }

    async fn post(&self, request: Request) -> Result<Answer, TransportError> {
        let base = match self.family {
            Family::Router => self.wire.router.as_deref(),
            Family::Bank => self.wire.bank.as_deref(),
        }
        .unwrap_or_default();
        let mut builder = self.wire.client.post(format!("{base}/{}", request.method));
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        builder = match self.family {
            Family::Router => builder.json(&request.body),
            Family::Bank => {
                let pairs: Vec<(String, String)> = request
                    .body
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                    .collect();
                builder.form(&pairs)
            }
        };
        let received = send(builder, self.wire.timeout, MAX_BODY_BYTES).await?;
        let body = serde_json::from_slice(&received.body).unwrap_or(Value::Null);
        Ok(Answer { status: received.status, body })
    }
}

/// An order id no gateway gave out (a UUID whose first 48 bits are zero), unique to `prefix`.
fn unknown_order_id(prefix: &str) -> String {
    let hash = prefix.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("00000000-0000-4000-8000-{:012x}", hash & 0xFFFF_FFFF_FFFF)
}

/// `now` plus `secs`, as `yyyy-MM-ddTHH:mm:ss` in UTC.
pub fn utc_datetime(now: EpochMillis, secs: i64) -> String {
    let at = super::oracle::auto_date(now, secs);
    jiff::Timestamp::from_millisecond(at).map(|t| t.strftime("%Y-%m-%dT%H:%M:%S").to_string()).unwrap_or_default()
}
