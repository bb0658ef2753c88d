"""Every refusal the sandbox can answer, in one table: help code, HTTP status, kind, texts.

docs/help-codes.md is generated from this table (`python -m sandbox.errors > docs/help-codes.md`)
and a test checks the two agree, so the kiosk's translators and the backend never drift apart.
The zh-Hant texts of the seed-derived codes are the registry's own words (SPEC R10-R12, R19-R21,
R25), kept verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HelpCode:
    code: str
    status: int
    kind: str
    title: dict[str, str]
    message: dict[str, str]


def _t(zh: str, pt: str, en: str) -> dict[str, str]:
    return {"zh-Hant": zh, "pt": pt, "en": en}


_CONTACT = _t(
    "如有疑問，請聯繫eSignTrust協助。",
    "Em caso de dúvida, contacte a eSignTrust.",
    "If in doubt, please contact eSignTrust.",
)


def _with_contact(zh: str, pt: str, en: str) -> dict[str, str]:
    """A message that ends by pointing the person to eSignTrust (_CONTACT)."""
    return {lang: text + _CONTACT[lang] for lang, text in _t(zh, pt, en).items()}


_ROWS: list[HelpCode] = [
    HelpCode(
        "AC-AB-0001", 422, "validation",
        _t("請求格式錯誤", "Pedido mal formado", "Malformed request"),
        _t("提交之資料格式不正確，請檢查後再試。",
           "Os dados enviados não têm o formato correcto. Verifique e tente de novo.",
           "The data sent is not in the expected format. Please check and try again."),
    ),
    HelpCode(
        "AC-AB-0002", 404, "not_found",
        _t("找不到證書用戶", "Titular não encontrado", "Holder not found"),
        _t("找不到與此身份證明文件號碼對應之證書用戶。",
           "Não existe titular de certificado com este número de documento.",
           "No certificate holder is registered with this ID number."),
    ),
    HelpCode(
        "AC-AB-0003", 404, "not_found",
        _t("找不到記錄", "Registo não encontrado", "Record not found"),
        _t("找不到相關之證書續期記錄。",
           "O registo de renovação pedido não existe.",
           "The requested renewal record does not exist."),
    ),
    HelpCode(
        "AC-AB-0004", 401, "auth",
        _t("未登入或登入已逾時", "Sessão inválida ou expirada", "Not signed in"),
        _t("台端尚未登入或登入已逾時，請重新登入。",
           "Não tem sessão iniciada ou a sessão expirou. Inicie sessão de novo.",
           "You are not signed in or your session has expired. Please sign in again."),
    ),
    HelpCode(
        "AC-AB-0005", 413, "validation",
        _t("提交之資料過大", "Pedido demasiado grande", "Request too large"),
        _t("提交之資料超出容許大小。",
           "Os dados enviados excedem o tamanho permitido.",
           "The data sent exceeds the allowed size."),
    ),
    HelpCode(
        "AC-AB-0006", 429, "rate_limit",
        _t("請求過於頻繁", "Demasiados pedidos", "Too many requests"),
        _t("請求過於頻繁，請稍後再試。",
           "Demasiados pedidos. Tente mais tarde.",
           "Too many requests. Please try again later."),
    ),
    HelpCode(
        "AC-AB-0007", 200, "notice",
        _t("非“雲簽”證書", "Certificados não \"nuvem\"", "Non-cloud-sign certificates"),
        _t("已完成線上遞交非“雲簽”證書申請，後續證書簽發事宜須線下進行。"
           "請聯繫eSignTrust預約線下辦理。(求助碼：AC-AB-0007)",
           "O pedido dos certificados não \"nuvem\" foi submetido online; a emissão é feita "
           "presencialmente. Contacte a eSignTrust para marcar atendimento. "
           "(Código de ajuda: AC-AB-0007)",
           "The application for your non-cloud-sign certificates has been submitted online; "
           "issuance must be completed in person. Please contact eSignTrust for an "
           "appointment. (Help code: AC-AB-0007)"),
    ),
    HelpCode(
        "AC-AB-0008", 422, "validation",
        _t("驗證碼不正確", "Código incorrecto", "Wrong code"),
        _t("驗證碼不正確，請重新輸入。",
           "O código de verificação está incorrecto. Introduza-o de novo.",
           "The verification code is wrong. Please enter it again."),
    ),
    HelpCode(
        "AC-AB-0009", 422, "validation",
        _t("驗證碼已逾時", "Código expirado", "Code expired"),
        _t("驗證碼已逾時失效，請重新獲取驗證碼。",
           "O código de verificação expirou. Peça um novo código.",
           "The verification code has expired. Please ask for a new code."),
    ),
    HelpCode(
        "AC-AB-0010", 409, "conflict",
        _t("驗證碼已使用", "Código já utilizado", "Code already used"),
        _t("此驗證碼已被使用，請重新獲取驗證碼。",
           "Este código de verificação já foi utilizado. Peça um novo código.",
           "This verification code has already been used. Please ask for a new code."),
    ),
    HelpCode(
        "AC-AB-0011", 423, "rate_limit",
        _t("電郵地址已暫時鎖定", "Endereço bloqueado", "Address locked"),
        _t("驗證碼錯誤次數過多，此電郵地址之驗證已暫時鎖定，請稍後再試或聯繫eSignTrust協助。",
           "Demasiados códigos errados: a verificação deste endereço está temporariamente "
           "bloqueada. Tente mais tarde ou contacte a eSignTrust.",
           "Too many wrong codes: verification of this address is locked for a while. "
           "Please try later or contact eSignTrust."),
    ),
    HelpCode(
        "AC-AB-0012", 409, "conflict",
        _t("驗證碼仍然有效", "Código ainda válido", "Code still valid"),
        _t("已發送之驗證碼仍然有效，請於倒數結束後再重新獲取。",
           "O código enviado ainda é válido. Pode pedir outro quando a contagem terminar.",
           "The code already sent is still valid. You can ask for another when the "
           "countdown ends."),
    ),
    HelpCode(
        "AC-AB-0013", 422, "validation",
        _t("電郵地址不符", "Endereço não pertence ao pedido", "Address not in this renewal"),
        _t("此電郵地址不屬於是次證書續期記錄。",
           "Este endereço de e-mail não pertence a esta renovação.",
           "This email address is not part of this renewal."),
    ),
    HelpCode(
        "AC-AB-0014", 409, "conflict",
        _t("身份證明文件個人資料已失效", "Dados do documento de identificação inválidos",
           "Identity document data no longer valid"),
        _t("檢查到台端證書登記之身份證明文件已失效或登記之個人資料與經授權擷取之身份證明文件資料有異，"
           "請退回並重新進行身份鑑別。如有疑問，請聯繫 eSignTrust 協助。（求助碼：AC-AB-0014）",
           "O documento de identificação registado expirou ou os dados registados diferem dos "
           "obtidos com autorização. Volte atrás e repita a verificação de identidade. Em caso "
           "de dúvida, contacte a eSignTrust. (Código de ajuda: AC-AB-0014)",
           "The registered identity document has expired or the registered personal data "
           "differ from the data retrieved with your consent. Please go back and verify your "
           "identity again. If in doubt, contact eSignTrust. (Help code: AC-AB-0014)"),
    ),
    HelpCode(
        "AC-AB-0015", 409, "conflict",
        _t("需先撤銷原有證書", "É preciso revogar o certificado original",
           "Revoke the original certificate first"),
        _t("因台端所申請續期之證書涉及證書資料變更，請先撤銷原證書後重做證書激活程序。"
           "如有疑問，請聯繫eSignTrust協助。（求助碼：AC-AB-0015）",
           "O certificado a renovar tem dados alterados: revogue primeiro o certificado "
           "original e repita a activação. Em caso de dúvida, contacte a eSignTrust. "
           "(Código de ajuda: AC-AB-0015)",
           "The certificate you are renewing has changed data: please revoke the original "
           "certificate first, then activate again. If in doubt, contact eSignTrust. "
           "(Help code: AC-AB-0015)"),
    ),
    HelpCode(
        "AC-AB-0016", 403, "auth",
        _t("未同意個人資料收集協定及聲明", "Consentimento em falta", "Consent missing"),
        _t("須先同意並接受個人資料收集協定及聲明，方可擷取身份證明文件資料。",
           "É necessário aceitar a declaração de recolha de dados pessoais antes de obter os "
           "dados do documento de identificação.",
           "You must accept the personal data collection statement before identity-card "
           "data can be retrieved."),
    ),
    HelpCode(
        "AC-AB-0017", 422, "validation",
        _t("不支援之身份證明文件類別", "Tipo de documento não suportado",
           "Unsupported identity document type"),
        _t("不支援之身份證明文件類別",
           "Tipo de documento de identificação não suportado. A renovação não pode "
           "continuar online.",
           "Unsupported identity document type. The renewal cannot continue online."),
    ),
    HelpCode(
        "AC-AB-0018", 422, "validation",
        _t("無效之身份證明文件個人資料", "Dados pessoais do documento inválidos",
           "Invalid identity document personal data"),
        _t("無效之身份證明文件個人資料",
           "Dados pessoais do documento de identificação inválidos. A renovação não pode "
           "continuar online.",
           "Invalid identity document personal data. The renewal cannot continue online."),
    ),
    HelpCode(
        "AC-AB-0019", 422, "validation",
        _t("照片未達檢測要求", "Fotografia não aceite", "Photo not accepted"),
        _t("照片未達檢測要求，請重新拍照。",
           "A fotografia não cumpre os requisitos. Tire outra fotografia.",
           "The photo does not meet the requirements. Please take another photo."),
    ),
    HelpCode(
        "AC-AB-0020", 422, "validation",
        _t("照片中未能辨識人臉", "Rosto não detectado", "No face found"),
        _t("照片中未能辨識單一人臉，請正對鏡頭重新拍照。",
           "Não foi detectado um único rosto na fotografia. Olhe para a câmara e tire outra.",
           "No single face was found in the photo. Please face the camera and retake it."),
    ),
    HelpCode(
        "AC-AB-0021", 403, "auth",
        _t("未啟用非常高級電子身份識別工具", "Identificação electrónica de nível muito "
           "elevado não activada", "Very-high e-ID not enabled"),
        _t("台端之帳戶未啟用“非常高級”電子身份識別工具，未能於線上進行身份識別。",
           "A sua conta não tem activada a identificação electrónica de nível muito elevado; "
           "não pode identificar-se online.",
           "Your account does not have the very-high electronic identification tool "
           "enabled, so you cannot be identified online."),
    ),
    HelpCode(
        "AC-AB-0022", 422, "validation",
        _t("短訊驗證碼不正確", "Código SMS incorrecto", "Wrong SMS code"),
        _t("短訊驗證碼不正確，請重新輸入。",
           "O código SMS está incorrecto. Introduza-o de novo.",
           "The SMS code is wrong. Please enter it again."),
    ),
    HelpCode(
        "AC-AB-0023", 422, "validation",
        _t("短訊驗證碼已逾時", "Código SMS expirado", "SMS code expired"),
        _t("短訊驗證碼已逾時失效或已使用，請重新獲取驗證碼。",
           "O código SMS expirou ou já foi usado. Peça um novo código.",
           "The SMS code has expired or was already used. Please ask for a new code."),
    ),
    HelpCode(
        "AC-AB-0024", 422, "validation",
        _t("面容識別未通過", "Reconhecimento facial falhou", "Face recognition failed"),
        _t("面容識別未通過，請正對屏幕再試。",
           "O reconhecimento facial falhou. Olhe de frente para o ecrã e tente de novo.",
           "Face recognition failed. Please face the screen and try again."),
    ),
    HelpCode(
        "AC-AB-0025", 422, "validation",
        _t("簽署申請文件失敗", "Falha na assinatura", "Signing failed"),
        _t("簽署申請文件失敗或簽名未能通過驗證，請重新進行身份識別。",
           "A assinatura dos documentos falhou ou não foi validada. Repita a identificação.",
           "Signing the application failed or the signature does not verify. Please "
           "identify yourself again."),
    ),
    HelpCode(
        "AC-AB-0026", 409, "conflict",
        _t("申請已提交", "Pedido já submetido", "Already submitted"),
        _t("是次證書續期申請已經提交，無需重複提交。",
           "Este pedido de renovação já foi submetido.",
           "This renewal application has already been submitted."),
    ),
    HelpCode(
        "AC-AB-0027", 409, "conflict",
        _t("步驟次序不正確", "Passo fora de ordem", "Step out of order"),
        _t("請先完成之前的步驟。",
           "Conclua primeiro os passos anteriores.",
           "Please complete the previous steps first."),
    ),
    HelpCode(
        "AC-AB-0028", 422, "validation",
        _t("非“雲簽”證書不支援線上激活", "Certificado não \"nuvem\" não é activado online",
           "Non-cloud certificate cannot be activated online"),
        _t("系統暫不支援非“雲簽”證書之線上激活，通過身份鑑別後需聯繫 eSignTrust 預約線下辦理。",
           "A activação online de certificados não \"nuvem\" não é suportada; após a "
           "verificação de identidade, marque atendimento presencial na eSignTrust.",
           "Non-cloud-sign certificates cannot be activated online; after identity "
           "verification, book an in-person appointment with eSignTrust."),
    ),
    HelpCode(
        "AC-AB-0029", 422, "validation",
        _t("“雲簽”簽名密碼不符合規則", "Palavra-passe não cumpre as regras",
           "Password breaks the rules"),
        _t("密碼長度必須為 8 個位或以上；密碼必須包括 1 個或以上的英文字母 (a - z，大小寫均可)；"
           "密碼必須包括 1 個或以上非字母 (數字或特殊字符)。",
           "A palavra-passe deve ter pelo menos 8 caracteres, pelo menos 1 letra (a-z, "
           "maiúscula ou minúscula) e pelo menos 1 carácter que não seja letra.",
           "The password must have at least 8 characters, at least 1 letter (a-z, either "
           "case) and at least 1 non-letter (digit or special character)."),
    ),
    HelpCode(
        "AC-AB-0030", 422, "validation",
        _t("撤銷短語不符合規則", "Frase de revogação não cumpre as regras",
           "Revocation phrase breaks the rules"),
        _t("撤銷短語長度必須介於 8 至 64 位字符；"
           "撤銷短語只可包括數字或英文字母 (不可包括特殊字符)。",
           "A frase de revogação deve ter entre 8 e 64 caracteres, só letras e algarismos.",
           "The revocation phrase must be 8 to 64 characters, letters and digits only."),
    ),
    HelpCode(
        "AC-AB-0031", 422, "validation",
        _t("兩次輸入之密碼不一致", "Palavras-passe diferentes", "Passwords differ"),
        _t("確認“雲簽”簽名密碼（存取碼）與“雲簽”簽名密碼（存取碼）不一致。",
           "A confirmação não coincide com a palavra-passe.",
           "The confirmation does not match the password."),
    ),
    HelpCode(
        "AC-AB-0032", 422, "validation",
        _t("“雲簽”簽名密碼不正確", "Palavra-passe incorrecta", "Wrong password"),
        _t("台端之雲簽簽名密碼（存取碼）不正確。",
           "A palavra-passe de assinatura \"nuvem\" (código de acesso) está incorrecta.",
           "Your cloud-sign signing password (access code) is wrong."),
    ),
    HelpCode(
        "AC-AB-0033", 500, "server",
        _t("證書激活失敗", "Falha na activação", "Activation failed"),
        _with_contact("證書激活失敗。",
                      "A activação do certificado falhou. ",
                      "Certificate activation failed. "),
    ),
    HelpCode(
        "AC-AB-0034", 409, "conflict",
        _t("重複之請求標識", "Chave de idempotência reutilizada",
           "Idempotency key reused"),
        _t("此請求標識已用於另一個不同之請求。",
           "Esta chave de idempotência já foi usada noutro pedido diferente.",
           "This Idempotency-Key was already used for a different request."),
    ),
    HelpCode(
        "AC-AB-0035", 401, "auth",
        _t("職員登入失敗", "Falha no início de sessão", "Staff sign-in failed"),
        _t("職員帳戶名稱或密碼不正確。",
           "Nome de utilizador ou palavra-passe do funcionário incorrectos.",
           "Wrong staff username or password."),
    ),
    HelpCode(
        "AC-AB-0036", 503, "server",
        _t("服務暫停", "Serviço indisponível", "Service unavailable"),
        _t("服務暫時未能使用，請稍後再試。",
           "O serviço está temporariamente indisponível. Tente mais tarde.",
           "The service is temporarily unavailable. Please try again later."),
    ),
    HelpCode(
        "AC-AB-0037", 409, "conflict",
        _t("未同意申請人／登記人協定及聲明", "Declaração não aceite", "Declaration not accepted"),
        _t("須先同意並接受申請人／登記人協定及聲明。",
           "Tem de aceitar primeiro a declaração do requerente/subscritor.",
           "You must first accept the applicant/subscriber declaration."),
    ),
    HelpCode(
        "AC-AB-0038", 423, "rate_limit",
        _t("短訊驗證碼錯誤次數過多", "Demasiados códigos SMS errados",
           "Too many wrong SMS codes"),
        _t("短訊驗證碼錯誤次數過多，請重新開始。",
           "Demasiados códigos SMS errados. Recomece.",
           "Too many wrong SMS codes. Please start again."),
    ),
    HelpCode(
        "AC-AB-0039", 409, "conflict",
        _t("證書已激活或正在激活", "Certificado já activado",
           "Certificate already activated"),
        _t("此證書已完成激活或正在激活中，無需重複操作。",
           "Este certificado já foi activado ou está a ser activado.",
           "This certificate has already been activated or is being activated."),
    ),
    HelpCode(
        "AC-AB-0040", 500, "server",
        _t("系統錯誤", "Erro do sistema", "System error"),
        _with_contact("系統發生錯誤，請稍後再試。",
                      "Ocorreu um erro no sistema. Tente mais tarde. ",
                      "A system error occurred. Please try again later. "),
    ),
    HelpCode(
        "AC-AB-0041", 404, "not_found",
        _t("找不到服務", "Serviço inexistente", "No such service call"),
        _t("找不到所請求之服務。",
           "A chamada de serviço pedida não existe.",
           "The requested service call does not exist."),
    ),
    # R7 and the counter desk (R32, sandbox/desk.py): numbered from 0060 so they never
    # collide with codes added elsewhere.
    HelpCode(
        "AC-AB-0060", 409, "conflict",
        _t("電郵地址需重新驗證", "Endereço de e-mail a verificar de novo",
           "Email address to verify again"),
        _t("台端之電郵地址驗證已超過30日，請返回第一步重新驗證電郵地址後再提交申請。",
           "O endereço de e-mail foi verificado há mais de 30 dias. Volte ao passo 1 e "
           "verifique-o de novo antes de submeter.",
           "An email address was verified more than 30 days ago. Go back to step 1 and "
           "verify it again before submitting."),
    ),
    HelpCode(
        "AC-AB-0061", 422, "validation",
        _t("身份證明文件號碼不符", "Número do documento não coincide", "ID number does not match"),
        _t("輸入之身份證明文件號碼與登記資料不符，請核對證件後重新輸入。",
           "O número introduzido não coincide com o registado. Confira o documento e "
           "introduza-o de novo.",
           "The number typed does not match the registered one. Check the card and "
           "type it again."),
    ),
    HelpCode(
        "AC-AB-0062", 409, "conflict",
        _t("相片比對次數已用完", "Tentativas de fotografia esgotadas", "No photo tries left"),
        _t("相片比對已嘗試3次未能通過。職員可親身核實持證人身份並填寫理由。",
           "A comparação da fotografia falhou 3 vezes. O funcionário pode atestar a "
           "identidade presencialmente, indicando o motivo.",
           "The photo did not match in 3 tries. The officer may attest the holder's "
           "identity in person, with a written reason."),
    ),
    HelpCode(
        "AC-AB-0063", 409, "conflict",
        _t("未完成親身核實", "Verificação presencial incompleta", "In-person check incomplete"),
        _t("須先核對身份證明文件號碼，並通過相片比對或由職員親身核實，方可簽發證書。",
           "Antes da emissão, confira o número do documento e passe a comparação da "
           "fotografia ou a atestação do funcionário.",
           "Before issuance, check the ID number and pass the photo match or the officer's "
           "attestation."),
    ),
    HelpCode(
        "AC-AB-0064", 422, "validation",
        _t("證書簽發請求無效", "Pedido de certificado inválido", "Invalid certificate request"),
        _t("載體產生之證書簽發請求無效或密鑰類型不符，請重新產生。",
           "O pedido de certificado gerado no dispositivo é inválido ou o tipo de chave "
           "não é o exigido. Gere-o de novo.",
           "The certificate request made on the token is invalid or its key type is not "
           "the one required. Make it again."),
    ),
    HelpCode(
        "AC-AB-0065", 409, "conflict",
        _t("尚不可由職員核實", "Atestação ainda não permitida", "Attestation not allowed yet"),
        _t("須先核對身份證明文件號碼並完成3次相片比對，職員方可親身核實。",
           "O funcionário só pode atestar depois de conferir o número do documento e de "
           "3 tentativas de comparação da fotografia.",
           "The officer may attest only after the ID number was checked and the photo "
           "was tried 3 times."),
    ),
    # R31: kiosk enrolment and lodged receipts (sandbox/kiosks.py)
    HelpCode(
        "AC-AB-0051", 403, "auth",
        _t("登記碼無效", "Código de registo inválido", "Invalid enrolment code"),
        _t("服務終端之登記碼無效或已使用。",
           "O código de registo do terminal é inválido ou já foi usado.",
           "The kiosk enrolment code is invalid or has been used."),
    ),
    HelpCode(
        "AC-AB-0052", 422, "validation",
        _t("證書簽署請求無效", "Pedido de certificado inválido", "Invalid certificate request"),
        _t("服務終端之證書簽署請求無效（須為 EC P-256 密鑰，名稱為終端編號）。",
           "O pedido de certificado do terminal é inválido (chave EC P-256, nome = terminal).",
           "The kiosk's certificate request is invalid (an EC P-256 key, named the kiosk id)."),
    ),
    HelpCode(
        "AC-AB-0053", 422, "validation",
        _t("收據電子封印無效", "Selo do recibo inválido", "Invalid receipt seal"),
        _t("收據之電子封印未能以已登記服務終端之證書核實。",
           "O selo do recibo não é verificável com o certificado de um terminal registado.",
           "The receipt's seal does not verify with an enrolled kiosk's certificate."),
    ),
    HelpCode(
        "AC-AB-0054", 409, "conflict",
        _t("收據已列印", "Recibo já impresso", "Receipt already printed"),
        _t("此收據已列印，不會自動再次列印。",
           "Este recibo já foi impresso; não é impresso de novo automaticamente.",
           "This receipt has already been printed; it is not printed again automatically."),
    ),
]

HELP_CODES: dict[str, HelpCode] = {row.code: row for row in _ROWS}


@dataclass
class ApiError(Exception):
    """A refusal with a help code. `commit=True` keeps what the request wrote before refusing
    (a counted wrong code, a lock, a reset renewal) instead of rolling it back."""

    code: str
    details: dict[str, Any] = field(default_factory=dict)
    status: int | None = None
    commit: bool = False

    def __post_init__(self) -> None:
        super().__init__(self.code)
        if self.code not in HELP_CODES:
            raise KeyError(self.code)

    @property
    def http_status(self) -> int:
        return self.status or HELP_CODES[self.code].status

    def body(self, request_id: str) -> dict[str, Any]:
        row = HELP_CODES[self.code]
        return {
            "error": {
                "code": row.code,
                "kind": row.kind,
                "title": dict(row.title),
                "message": dict(row.message),
                "details": self.details,
                "request_id": request_id,
            }
        }


def render_help_codes_md() -> str:
    """docs/help-codes.md, generated so that the table and the document cannot disagree."""
    out = [
        "# Help codes (求助碼)",
        "",
        "Generated from `sandbox/errors.py` (`python -m sandbox.errors > docs/help-codes.md`);",
        "a test checks that this file and the table agree. AC-AB-0007, 0014 and 0015 are the",
        "registry's own codes from the user guide; every other refusal has a code of the same",
        "form. Kiosk-side codes (AC-KI-…) live in `kiosk/services/errors.py`.",
        "",
    ]
    for row in _ROWS:
        out.append(f"## {row.code}")
        out.append("")
        out.append(f"HTTP {row.status} · kind `{row.kind}`")
        out.append("")
        out.append("| lang | title | message |")
        out.append("|---|---|---|")
        for lang in ("zh-Hant", "pt", "en"):
            out.append(f"| {lang} | {row.title[lang]} | {row.message[lang]} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(render_help_codes_md(), end="")
