//! An oversized request body (decision SDK-4) gets its 413 answer every time: the gateway reads
//! and discards the rest of the body before answering, so the client is never cut off by a reset
//! connection while it is still sending.

use crate::support::*;
use paycheck::gateway::FaultSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_oversized_request_gets_its_413_answer() {
    let h = Harness::start(FaultSet::default()).await;
    let body = vec![b'x'; 2 * 1024 * 1024];
    let mut outcomes = Vec::new();
    for _ in 0..40 {
        let sent = h
            .client
            .post(format!("{}/payment/rest/register.do", h.root))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
            .await;
        outcomes.push(match sent {
            Ok(response) => response.status().as_u16().to_string(),
            Err(error) => format!("no answer: {error:?}"),
        });
    }
    let failures: Vec<&String> = outcomes.iter().filter(|outcome| outcome.as_str() != "413").collect();
    assert!(failures.is_empty(), "{} of 40 oversized requests got no 413: {:?}", failures.len(), failures.first());
    h.stop().await;
}
