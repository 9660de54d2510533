//! Merchant credentials (spec 1.2): `userName` + `password`, or `token`.

use super::context::Ctx;
use super::reply::ApiError;
use super::request::Params;
use crate::gateway::config::MerchantConfig;

/// The merchant the request's credentials name: 4 when a credential is missing, 5 when wrong.
pub fn authenticate<'a>(ctx: &Ctx<'a>, p: &Params) -> Result<&'a MerchantConfig, ApiError> {
    let denied = || ApiError::new(5, "Access denied");
    let user = p.text("userName").map_err(|_| denied())?;
    let password = p.text("password").map_err(|_| denied())?;
    if user.is_none()
        && password.is_none()
        && let Some(token) = p.text("token").map_err(|_| denied())?
    {
        return ctx
            .v1
            .config
            .merchants
            .iter()
            .find(|m| m.api_token.as_deref() == Some(token.as_str()))
            .ok_or_else(denied);
    }
    let user = user.ok_or_else(|| ApiError::new(4, "Empty merchant user name"))?;
    let password = password.ok_or_else(|| ApiError::new(4, "Password cannot be empty"))?;
    let merchant = ctx.v1.merchant(&user).ok_or_else(denied)?;
    if merchant.password == password || !ctx.policy().password_checked { Ok(merchant) } else { Err(denied()) }
}
