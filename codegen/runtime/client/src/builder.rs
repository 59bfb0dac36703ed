//! Building a client: base URL, credentials, timeouts, retries, user agent, request validation,
//! or one's own `reqwest::Client`.

use std::marker::PhantomData;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};

use crate::limits::{DEFAULT_MAX_DOWNLOAD_BYTES, DEFAULT_MAX_RESPONSE_BYTES};
use crate::{Credentials, RetryPolicy, Secret};

/// The per-client settings the generated client carries (progenitor's "inner" value). A
/// request builder owns a clone of its client, so a clone allocates nothing: what is not a
/// number is shared.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub(crate) credentials: Option<std::sync::Arc<Credentials>>,
    /// The credentials' headers, built (and marked sensitive) once, at build time.
    pub(crate) credential_headers: std::sync::Arc<[(HeaderName, HeaderValue)]>,
    pub(crate) retry: RetryPolicy,
    pub(crate) validate_requests: bool,
    /// The most bytes read of a JSON body (success or error).
    pub(crate) max_response_bytes: u64,
    /// The most bytes read of a download (the LOA); `None` for no cap.
    pub(crate) max_download_bytes: Option<u64>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            credentials: None,
            credential_headers: std::sync::Arc::from(Vec::new()),
            retry: RetryPolicy::default(),
            validate_requests: true,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_download_bytes: Some(DEFAULT_MAX_DOWNLOAD_BYTES),
        }
    }
}

impl ClientOptions {
    /// Whether request validation is on: request bodies checked against the spec's rules
    /// before sending.
    pub fn request_validation(&self) -> bool {
        self.validate_requests
    }

    /// Turns request validation on or off.
    pub fn set_request_validation(&mut self, enabled: bool) {
        self.validate_requests = enabled;
    }

    /// The old name of [`request_validation`](Self::request_validation).
    #[deprecated(note = "renamed `request_validation`")]
    #[doc(hidden)]
    pub fn validates_requests(&self) -> bool {
        self.request_validation()
    }

    /// The old name of [`set_request_validation`](Self::set_request_validation).
    #[deprecated(note = "renamed `set_request_validation`")]
    #[doc(hidden)]
    pub fn set_validate_requests(&mut self, enabled: bool) {
        self.set_request_validation(enabled);
    }

    /// When and how often requests are retried.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The credentials every request carries, if any were set.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_deref()
    }

    /// The most bytes the client reads of a JSON body, success or error.
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_bytes
    }

    /// The most bytes the client reads of a download such as the LOA (`None`: no cap; default
    /// [`DEFAULT_MAX_DOWNLOAD_BYTES`](crate::DEFAULT_MAX_DOWNLOAD_BYTES)).
    pub fn max_download_bytes(&self) -> Option<u64> {
        self.max_download_bytes
    }
}

/// Whether a TLS backend is compiled in (one of this crate's TLS features).
const TLS_BACKEND: bool = cfg!(any(
    feature = "rustls",
    feature = "rustls-aws-lc",
    feature = "native-tls"
));

/// Implemented by the generated client so that [`ClientBuilder`] can construct it.
pub trait FromParts {
    /// Assembles the client from its base URL, HTTP client and options.
    fn from_parts(base_url: &str, http: reqwest::Client, options: ClientOptions) -> Self;
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error(
        "the base URL {url:?} needs TLS, and this build has no TLS backend: enable a feature \
         of cloudflare-cni-client (`rustls`, `rustls-aws-lc` or `native-tls`) or pass your own \
         reqwest::Client with `http_client`"
    )]
    /// An `https://` base URL, and no TLS backend compiled in (enable `rustls`, `rustls-aws-lc` or `native-tls`).
    NoTls {
        /// The base URL.
        url: String,
    },
    #[error("invalid base URL {url:?}: it must be an absolute http(s) URL")]
    /// A base URL that is not an absolute `http://` or `https://` URL.
    BaseUrl {
        /// The base URL given.
        url: String,
    },
    #[error("invalid {what}: it contains characters a header cannot carry")]
    /// A credential that cannot be sent as a header value (a newline in it, say).
    Credential {
        /// Which credential.
        what: &'static str,
    },
    #[error(
        "no credentials: set `api_token`, `api_key` or `read_env` (every call would answer 401), \
         or call `without_credentials` to send none on purpose"
    )]
    /// No credentials were given, and [`ClientBuilder::without_credentials`] was not called.
    NoCredentials,
    #[error("cannot build the HTTP client: {0}")]
    /// reqwest could not build its HTTP client.
    Http(#[from] reqwest::Error),
    #[error(
        "{settings} would not apply: they configure the reqwest::Client this builder makes, and \
         `http_client` gave one of your own; set them on that client instead"
    )]
    /// `timeout`, `connect_timeout` or `user_agent` set together with
    /// [`http_client`](ClientBuilder::http_client), where they would not apply.
    IgnoredWithHttpClient {
        /// The settings, by method name.
        settings: String,
    },
    #[error("{problem}")]
    /// [`ClientBuilder::read_env`] found no usable setting: a variable missing, half of a
    /// pair, or not Unicode. The message names the variables.
    Environment {
        /// What is wrong, naming the variables.
        problem: String,
    },
}

// The variables `ClientBuilder::read_env` reads: the CLI's names, so one environment serves both.
const ENV_API_TOKEN: &str = "CLOUDFLARE_API_TOKEN";
const ENV_EMAIL: &str = "CLOUDFLARE_EMAIL";
const ENV_API_KEY: &str = "CLOUDFLARE_API_KEY";
const ENV_BASE_URL: &str = "CLOUDFLARE_API_BASE_URL";

/// Builds a client; `Client::builder()` in the client crate starts one.
#[derive(Debug)]
pub struct ClientBuilder<C> {
    base_url: String,
    user_agent: String,
    credentials: Option<Credentials>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    validate_requests: bool,
    max_response_bytes: u64,
    max_download_bytes: Option<u64>,
    http: Option<reqwest::Client>,
    /// Settings of the `reqwest::Client` the builder makes that were set (`timeout`,
    /// `connect_timeout`, `user_agent`): with `http_client`, they would not apply.
    http_settings: Vec<&'static str>,
    /// What `read_env` could not read about the credentials, reported by `build()` unless
    /// credentials are set after it.
    env_credentials_problem: Option<String>,
    /// What `read_env` could not read about the base URL, reported likewise.
    env_base_url_problem: Option<String>,
    /// `without_credentials()` was asked for: no credentials is meant, not forgotten.
    anonymous: bool,
    client: PhantomData<fn() -> C>,
}

impl<C: FromParts> ClientBuilder<C> {
    /// A builder with the API's default base URL and the client crate's user agent.
    pub fn new(default_base_url: &str, user_agent: &str) -> Self {
        ClientBuilder {
            base_url: default_base_url.to_string(),
            user_agent: user_agent.to_string(),
            credentials: None,
            connect_timeout: Some(Duration::from_secs(10)),
            timeout: Some(Duration::from_secs(60)),
            retry: RetryPolicy::default(),
            validate_requests: true,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_download_bytes: Some(DEFAULT_MAX_DOWNLOAD_BYTES),
            http: None,
            http_settings: Vec::new(),
            env_credentials_problem: None,
            env_base_url_problem: None,
            anonymous: false,
            client: PhantomData,
        }
    }

    /// Another base URL, e.g. an emulator's `http://127.0.0.1:8787`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self.env_base_url_problem = None;
        self
    }

    /// Authenticate with an API token (`Authorization: Bearer <token>`).
    pub fn api_token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::ApiToken(Secret::new(token)));
        self.env_credentials_problem = None;
        self
    }

    /// Authenticate with the account email and global API key.
    pub fn api_key(mut self, email: impl Into<String>, key: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::ApiKey {
            email: email.into(),
            key: Secret::new(key),
        });
        self.env_credentials_problem = None;
        self
    }

    /// Sends no credentials, on purpose (an emulator or a proxy that adds them): without this,
    /// [`build`](Self::build) refuses a builder given none ([`BuildError::NoCredentials`])
    /// instead of making a client whose every call answers 401. Credentials set after this
    /// call are sent as usual.
    pub fn without_credentials(mut self) -> Self {
        self.anonymous = true;
        self
    }

    /// The credentials and base URL from the environment, under the names the CLI reads:
    /// `CLOUDFLARE_API_TOKEN`, or `CLOUDFLARE_EMAIL` and `CLOUDFLARE_API_KEY`; and
    /// `CLOUDFLARE_API_BASE_URL` when it is set (an emulator's, say). No credentials, half of
    /// the email/key pair, or a value that is not Unicode fails [`build`](Self::build) with
    /// [`BuildError::Environment`], naming the variables; setting credentials or a base URL
    /// after this call replaces what it read, and its complaint about them.
    pub fn read_env(self) -> Self {
        self.read_variables(|name| std::env::var_os(name))
    }

    /// [`read_env`](Self::read_env) over any lookup, so that tests need not change the
    /// process's environment.
    fn read_variables(mut self, lookup: impl Fn(&str) -> Option<std::ffi::OsString>) -> Self {
        // Unset and empty are alike: `export CLOUDFLARE_API_TOKEN=` clears a token.
        let read = |name: &'static str| -> Result<Option<String>, String> {
            match lookup(name) {
                None => Ok(None),
                Some(value) if value.is_empty() => Ok(None),
                Some(value) => value
                    .into_string()
                    .map(Some)
                    .map_err(|_| format!("{name} is not valid Unicode")),
            }
        };
        match read(ENV_BASE_URL) {
            Ok(Some(url)) => self = self.base_url(url),
            Ok(None) => {}
            Err(problem) => self.env_base_url_problem = Some(problem),
        }
        let credentials = env_credentials(read);
        match credentials {
            Ok(credentials) => {
                self.credentials = Some(credentials);
                self.env_credentials_problem = None;
            }
            Err(problem) => self.env_credentials_problem = Some(problem),
        }
        self
    }

    /// How long to wait for a connection: a `Duration`, or `None` to wait indefinitely.
    /// Default 10 s.
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self.http_setting("connect_timeout");
        self
    }

    /// How long one attempt may take in all: a `Duration`, or `None` to wait indefinitely.
    /// Default 60 s.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
        self.http_setting("timeout");
        self
    }

    fn http_setting(&mut self, name: &'static str) {
        if !self.http_settings.contains(&name) {
            self.http_settings.push(name);
        }
    }

    /// The retry policy; [`RetryPolicy::none()`] disables retries.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How many times a failed attempt is retried (default 2; 0 disables).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry.max_retries = retries;
        self
    }

    /// Also retry POST requests, which may have taken effect before failing.
    pub fn retry_non_idempotent(mut self, enabled: bool) -> Self {
        self.retry.retry_non_idempotent = enabled;
        self
    }

    /// The `User-Agent` header (default `<client crate>/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self.http_setting("user_agent");
        self
    }

    /// Request validation: check request bodies against the spec's rules before sending
    /// (default on).
    pub fn request_validation(mut self, enabled: bool) -> Self {
        self.validate_requests = enabled;
        self
    }

    /// The old name of [`request_validation`](Self::request_validation).
    #[deprecated(note = "renamed `request_validation`")]
    #[doc(hidden)]
    pub fn validate_requests(self, enabled: bool) -> Self {
        self.request_validation(enabled)
    }

    /// The most bytes read of a JSON body, success or error (default 32 MiB, far above any
    /// real answer). A longer body fails the call with
    /// [`CniError::ResponseTooLarge`](crate::CniError::ResponseTooLarge) and is not read on.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The most bytes read of a download such as the LOA PDF (default
    /// [`DEFAULT_MAX_DOWNLOAD_BYTES`](crate::DEFAULT_MAX_DOWNLOAD_BYTES), 256 MiB; `None` lifts
    /// the cap, for a server you trust with larger downloads). A longer one fails with
    /// [`CniError::ResponseTooLarge`](crate::CniError::ResponseTooLarge), and `save_to`
    /// leaves no file behind.
    pub fn max_download_bytes(mut self, limit: Option<u64>) -> Self {
        self.max_download_bytes = limit;
        self
    }

    /// Use this `reqwest::Client` (its timeouts, proxies, user agent and TLS settings) instead
    /// of building one; credentials, retries and body limits still apply. `timeout`,
    /// `connect_timeout` and `user_agent` configure the client the builder would make: set
    /// with this, `build()` fails naming them (set them on your client instead).
    ///
    /// Its redirect policy applies too. The client this builder makes follows no redirect (the
    /// API never redirects, and reqwest would resend `X-Auth-Email`/`X-Auth-Key` to any host);
    /// build yours with `.redirect(reqwest::redirect::Policy::none())` to keep that guarantee.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Checks the settings and builds the client: fails naming what is wrong, sends nothing.
    pub fn build(self) -> Result<C, BuildError> {
        if let Some(problem) = self.env_base_url_problem.or(self.env_credentials_problem) {
            return Err(BuildError::Environment { problem });
        }
        let valid_url = (self.base_url.starts_with("https://")
            || self.base_url.starts_with("http://"))
            && reqwest::Url::parse(&self.base_url).is_ok();
        if !valid_url {
            return Err(BuildError::BaseUrl { url: self.base_url });
        }
        // Built now, so that a bad credential fails here and not on the first request.
        let credential_headers = match &self.credentials {
            Some(credentials) => credential_headers(credentials)?,
            None if self.anonymous => Vec::new(),
            None => return Err(BuildError::NoCredentials),
        };
        let http = match self.http {
            // Those settings make the client the builder builds; with the caller's own they
            // would be dropped without a word.
            Some(_) if !self.http_settings.is_empty() => {
                return Err(BuildError::IgnoredWithHttpClient {
                    settings: self.http_settings.join(", "),
                })
            }
            Some(http) => http,
            None => {
                if !TLS_BACKEND && self.base_url.starts_with("https://") {
                    return Err(BuildError::NoTls { url: self.base_url });
                }
                #[cfg(feature = "rustls")]
                {
                    // reqwest without its own provider uses the process default: ring, unless
                    // the application installed another first (then theirs stays).
                    let _ = rustls::crypto::ring::default_provider().install_default();
                }
                // No redirects: Cloudflare's API does not redirect, and reqwest would resend
                // the X-Auth-* headers (and a PUT body) to whatever host a 3xx names. A 3xx
                // becomes `CniError::Redirect`, naming where it pointed.
                let mut builder = reqwest::Client::builder()
                    .user_agent(self.user_agent)
                    .redirect(reqwest::redirect::Policy::none());
                if let Some(t) = self.connect_timeout {
                    builder = builder.connect_timeout(t);
                }
                if let Some(t) = self.timeout {
                    builder = builder.timeout(t);
                }
                builder.build()?
            }
        };
        let options = ClientOptions {
            credentials: self.credentials.map(std::sync::Arc::new),
            credential_headers: std::sync::Arc::from(credential_headers),
            retry: self.retry,
            validate_requests: self.validate_requests,
            max_response_bytes: self.max_response_bytes,
            max_download_bytes: self.max_download_bytes,
        };
        Ok(C::from_parts(
            self.base_url.trim_end_matches('/'),
            http,
            options,
        ))
    }
}

/// The credentials the environment names, `read` giving each variable: the token, else the
/// email/key pair; what is missing, named.
fn env_credentials(
    read: impl Fn(&'static str) -> Result<Option<String>, String>,
) -> Result<Credentials, String> {
    if let Some(token) = read(ENV_API_TOKEN)? {
        return Ok(Credentials::ApiToken(Secret::new(token)));
    }
    match (read(ENV_EMAIL)?, read(ENV_API_KEY)?) {
        (Some(email), Some(key)) => Ok(Credentials::ApiKey {
            email,
            key: Secret::new(key),
        }),
        (Some(_), None) => Err(format!(
            "{ENV_EMAIL} is set and {ENV_API_KEY} is not: an API key needs both"
        )),
        (None, Some(_)) => Err(format!(
            "{ENV_API_KEY} is set and {ENV_EMAIL} is not: an API key needs both"
        )),
        (None, None) => Err(format!(
            "no credentials in the environment: set {ENV_API_TOKEN}, or {ENV_EMAIL} and \
             {ENV_API_KEY}"
        )),
    }
}

fn sensitive(value: &str, what: &'static str) -> Result<HeaderValue, BuildError> {
    let mut value = HeaderValue::from_str(value).map_err(|_| BuildError::Credential { what })?;
    value.set_sensitive(true);
    Ok(value)
}

fn credential_headers(
    credentials: &Credentials,
) -> Result<Vec<(HeaderName, HeaderValue)>, BuildError> {
    Ok(match credentials {
        Credentials::ApiToken(token) => {
            vec![(
                AUTHORIZATION,
                sensitive(&format!("Bearer {}", token.expose()), "API token")?,
            )]
        }
        Credentials::ApiKey { email, key } => vec![
            (
                HeaderName::from_static("x-auth-email"),
                sensitive(email, "email")?,
            ),
            (
                HeaderName::from_static("x-auth-key"),
                sensitive(key.expose(), "API key")?,
            ),
        ],
    })
}

/// Adds the credentials' headers (marked sensitive) to a request; runs in progenitor's `pre`
/// hook, so it applies to a user-supplied `reqwest::Client` too.
pub fn apply_credentials(
    options: &ClientOptions,
    request: &mut reqwest::Request,
) -> Result<(), String> {
    let headers = request.headers_mut();
    for (name, value) in options.credential_headers.iter() {
        headers.insert(name.clone(), value.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Built;
    impl FromParts for Built {
        fn from_parts(_: &str, _: reqwest::Client, _: ClientOptions) -> Self {
            Built
        }
    }

    fn build(url: &str) -> Result<Built, BuildError> {
        ClientBuilder::<Built>::new(url, "test")
            .api_token("t")
            .build()
    }

    /// No credentials is a build error unless asked for: a client whose every call answers
    /// 401 is no client.
    #[test]
    fn no_credentials_fails_the_build_unless_asked_for() {
        let new = || ClientBuilder::<Built>::new("http://127.0.0.1:1/client/v4", "test");
        let Err(error) = new().build() else {
            panic!("built without credentials");
        };
        assert!(matches!(error, BuildError::NoCredentials), "{error}");
        assert!(error.to_string().contains("without_credentials"), "{error}");
        assert!(new().without_credentials().build().is_ok());
        assert!(new().without_credentials().api_token("t").build().is_ok());
    }

    /// With the default backend (rustls on ring, provider installed by the builder), an
    /// https client builds; reqwest without a provider would panic here instead.
    #[cfg(feature = "rustls")]
    #[test]
    fn the_default_tls_backend_builds_an_https_client() {
        assert!(build("https://api.cloudflare.com/client/v4").is_ok());
        // Twice: the process-wide provider is installed once and then left alone.
        assert!(build("https://api.cloudflare.com/client/v4").is_ok());
    }

    /// Without a TLS feature (`scripts/test` runs this crate's tests with
    /// `--no-default-features`), an https URL is refused at build, naming the features; plain
    /// HTTP (the emulator) still works.
    #[cfg(not(any(feature = "rustls", feature = "rustls-aws-lc", feature = "native-tls")))]
    #[test]
    fn without_a_tls_backend_https_is_a_build_error_and_http_works() {
        let Err(error) = build("https://api.cloudflare.com/client/v4") else {
            panic!("an https client built without TLS");
        };
        assert!(matches!(error, BuildError::NoTls { .. }), "{error}");
        assert!(error
            .to_string()
            .contains("`rustls`, `rustls-aws-lc` or `native-tls`"));
        assert!(build("http://127.0.0.1:8080/client/v4").is_ok());
    }

    /// What a client built from these variables got: its base URL and options.
    struct Seen(String, ClientOptions);
    impl FromParts for Seen {
        fn from_parts(base_url: &str, _: reqwest::Client, options: ClientOptions) -> Self {
            Seen(base_url.to_string(), options)
        }
    }

    /// The probe's finding: with no cap by default, a server that never ends a download made
    /// `save_to` write 3.5 GB in 4 s. A client is capped unless its user lifts the cap.
    #[test]
    fn downloads_are_capped_by_default_and_the_cap_can_be_lifted() {
        let new = || {
            ClientBuilder::<Seen>::new("http://127.0.0.1:1/client/v4", "test").without_credentials()
        };
        let Ok(Seen(_, options)) = new().build() else {
            panic!("built")
        };
        assert_eq!(
            options.max_download_bytes(),
            Some(DEFAULT_MAX_DOWNLOAD_BYTES)
        );
        assert_eq!(
            ClientOptions::default().max_download_bytes(),
            Some(DEFAULT_MAX_DOWNLOAD_BYTES)
        );
        let Ok(Seen(_, options)) = new().max_download_bytes(None).build() else {
            panic!("built")
        };
        assert_eq!(options.max_download_bytes(), None);
    }

    /// The finding: `http_client(..)` silently dropped the builder's `timeout` and
    /// `user_agent`. Together they fail `build()`, naming what would not apply.
    #[test]
    fn settings_an_own_http_client_would_drop_are_refused_by_name() {
        // A reqwest client of the test's own needs a crypto provider, as a user's program does.
        #[cfg(feature = "rustls")]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let new = || {
            ClientBuilder::<Seen>::new("http://127.0.0.1:1/client/v4", "test").without_credentials()
        };
        let error = new()
            .timeout(Some(Duration::from_secs(5)))
            .user_agent("mine")
            .http_client(reqwest::Client::new())
            .build()
            .err()
            .expect("refused");
        assert!(
            matches!(&error, BuildError::IgnoredWithHttpClient { settings } if settings == "timeout, user_agent"),
            "{error}"
        );
        assert!(new().http_client(reqwest::Client::new()).build().is_ok());
        assert!(
            new().timeout(None).build().is_ok(),
            "without http_client they apply"
        );
    }

    fn read_variables(variables: &[(&str, &str)]) -> ClientBuilder<Seen> {
        let variables: std::collections::HashMap<String, std::ffi::OsString> = variables
            .iter()
            .map(|(name, value)| (name.to_string(), (*value).into()))
            .collect();
        ClientBuilder::<Seen>::new("http://api.example/client/v4", "test")
            .read_variables(|name| variables.get(name).cloned())
    }

    fn environment_problem(builder: ClientBuilder<Seen>) -> String {
        match builder.build() {
            Err(BuildError::Environment { problem }) => problem,
            Err(other) => panic!("another error: {other}"),
            Ok(_) => panic!("built"),
        }
    }

    #[test]
    fn read_env_reads_the_token_the_key_pair_and_the_base_url_under_the_cli_names() {
        let Seen(url, options) = read_variables(&[
            ("CLOUDFLARE_API_TOKEN", "token-1"),
            ("CLOUDFLARE_EMAIL", "ignored@example.com"),
            ("CLOUDFLARE_API_BASE_URL", "http://127.0.0.1:9/client/v4/"),
        ])
        .build()
        .unwrap();
        assert_eq!(url, "http://127.0.0.1:9/client/v4");
        assert!(
            matches!(options.credentials(), Some(Credentials::ApiToken(token)) if token.matches("token-1")),
            "the token wins over a half pair"
        );

        let Seen(url, options) = read_variables(&[
            ("CLOUDFLARE_API_TOKEN", ""),
            ("CLOUDFLARE_EMAIL", "me@example.com"),
            ("CLOUDFLARE_API_KEY", "key-1"),
        ])
        .build()
        .unwrap();
        assert_eq!(url, "http://api.example/client/v4", "unset: the API's own");
        assert!(matches!(
            options.credentials(),
            Some(Credentials::ApiKey { email, key }) if email == "me@example.com" && key.matches("key-1")
        ));
    }

    #[test]
    fn read_env_names_what_is_missing_and_later_settings_replace_it() {
        let problem = environment_problem(read_variables(&[]));
        assert!(
            problem.contains("CLOUDFLARE_API_TOKEN")
                && problem.contains("CLOUDFLARE_EMAIL")
                && problem.contains("CLOUDFLARE_API_KEY"),
            "{problem}"
        );
        let problem = environment_problem(read_variables(&[("CLOUDFLARE_API_KEY", "key-1")]));
        assert!(
            problem.starts_with("CLOUDFLARE_API_KEY is set and CLOUDFLARE_EMAIL is not"),
            "{problem}"
        );
        // Credentials given after `read_env` replace the complaint.
        let Seen(_, options) = read_variables(&[]).api_token("given").build().unwrap();
        assert!(
            matches!(options.credentials(), Some(Credentials::ApiToken(t)) if t.matches("given"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn read_env_refuses_a_value_that_is_not_unicode_naming_it() {
        use std::os::unix::ffi::OsStringExt;
        let builder = ClientBuilder::<Seen>::new("http://api.example/client/v4", "test")
            .read_variables(|name| {
                (name == "CLOUDFLARE_API_BASE_URL")
                    .then(|| std::ffi::OsString::from_vec(vec![0xff]))
            });
        let problem = environment_problem(builder.api_token("t"));
        assert_eq!(problem, "CLOUDFLARE_API_BASE_URL is not valid Unicode");
    }
}
