//! Query parameters that carry a rule, parsed once when the request arrives: past the handler's
//! first lines a `PageLimit` is at least 1 and a `MinScore` within 0..=100.

use std::num::NonZeroUsize;

use super::error::ApiError;
use crate::error_code::Code;

/// How many results a page holds, as a request asks: at least 1, since a page of none would
/// never move its cursor on. The engine caps it at its own maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(NonZeroUsize);

impl PageLimit {
    /// `limit` as sent, or `default` when the request leaves it out.
    pub fn parse(sent: Option<usize>, default: NonZeroUsize) -> Result<Self, ApiError> {
        match sent {
            None => Ok(Self(default)),
            Some(limit) => NonZeroUsize::new(limit)
                .map(Self)
                .ok_or_else(|| ApiError::new(Code::InvalidLimit, "limit must be at least 1.")),
        }
    }

    pub fn get(self) -> usize {
        self.0.get()
    }
}

/// The lowest score a ranking keeps, on the scorer's 0 to 100 scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinScore(f32);

impl MinScore {
    pub fn parse(sent: f32) -> Result<Self, ApiError> {
        if (0.0..=100.0).contains(&sent) {
            Ok(Self(sent))
        } else {
            Err(ApiError::new(
                Code::InvalidMinScore,
                "min_score is between 0 and 100.",
            ))
        }
    }

    pub fn get(self) -> f32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWENTY: NonZeroUsize = NonZeroUsize::new(20).unwrap();

    #[test]
    fn a_limit_is_at_least_one_and_defaults_when_left_out() {
        assert_eq!(PageLimit::parse(None, TWENTY).unwrap().get(), 20);
        assert_eq!(PageLimit::parse(Some(1), TWENTY).unwrap().get(), 1);
        let refused = PageLimit::parse(Some(0), TWENTY).unwrap_err();
        assert_eq!(refused.code, Code::InvalidLimit);
    }

    #[test]
    fn a_min_score_is_on_the_scale() {
        for good in [0.0, 42.5, 100.0] {
            assert_eq!(MinScore::parse(good).map(MinScore::get).ok(), Some(good));
        }
        for bad in [-0.1, 100.5, f32::NAN, f32::INFINITY] {
            assert_eq!(
                MinScore::parse(bad).unwrap_err().code,
                Code::InvalidMinScore,
                "{bad}"
            );
        }
    }
}
