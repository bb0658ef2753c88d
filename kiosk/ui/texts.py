"""Labels of the kiosk's own chrome (buttons, titles, dialogs) in zh-Hant, pt and en.

Texts that come from the renewal rules (SPEC messages, help-code texts) belong to the flow's
message catalog; this catalog only holds what the Qt shell itself draws. zh-Hant texts follow
the registry's user guide word for word where the guide has them.
"""

from __future__ import annotations

LANGS: tuple[str, ...] = ("zh-Hant", "pt", "en")
DEFAULT_LANG = "zh-Hant"

# The language switcher shows each language in its own script so anyone can find theirs.
LANG_NAMES: dict[str, str] = {"zh-Hant": "中文", "pt": "Português", "en": "English"}

_T: dict[str, dict[str, str]] = {
    "app.title": {
        "zh-Hant": "電子證書服務（機構）- 證書續期",
        "pt": "Serviço de Certificados Electrónicos (Instituições) - Renovação",
        "en": "Digital Certificate Service (Institutions) - Renewal",
    },
    "step.name.1": {"zh-Hant": "驗證電郵地址", "pt": "Verificar e-mail", "en": "Verify email"},
    "step.name.2": {"zh-Hant": "身份鑑別", "pt": "Identificação", "en": "Identity check"},
    "step.name.3": {"zh-Hant": "資料確認", "pt": "Confirmação", "en": "Confirm and sign"},
    "step.name.4": {"zh-Hant": "激活證書", "pt": "Activação", "en": "Activation"},
    "nav.back": {"zh-Hant": "上一步", "pt": "Voltar", "en": "Back"},
    "nav.next": {"zh-Hant": "下一步", "pt": "Seguinte", "en": "Next"},
    "nav.start_over": {"zh-Hant": "重新開始", "pt": "Recomeçar", "en": "Start over"},
    "busy": {
        "zh-Hant": "處理中，請稍候…",
        "pt": "A processar, aguarde…",
        "en": "Working, please wait…",
    },
    "error.help_code": {"zh-Hant": "求助碼", "pt": "Código de ajuda", "en": "Help code"},
    "error.dismiss": {"zh-Hant": "關閉", "pt": "Fechar", "en": "Close"},
    "mode.title": {
        "zh-Hant": "請選擇服務方式",
        "pt": "Escolha como quer ser atendido",
        "en": "Choose how to proceed",
    },
    "mode.staff": {"zh-Hant": "職員登入", "pt": "Entrada de funcionário", "en": "Staff sign-in"},
    "mode.staff.hint": {
        "zh-Hant": "櫃檯職員協助證書用戶辦理續期（以身份證明文件號碼查找用戶）",
        "pt": "O funcionário do balcão ajuda o titular (pesquisa pelo número do documento)",
        "en": "Counter staff assist a holder (look the holder up by ID number)",
    },
    "mode.self": {"zh-Hant": "自助服務", "pt": "Autoatendimento", "en": "Self-service"},
    "mode.self.hint": {
        "zh-Hant": "證書用戶以身份證明文件號碼及短訊驗證碼登入",
        "pt": "O titular entra com o número do documento e o código SMS",
        "en": "The holder signs in with ID number and SMS code",
    },
    "idle.title": {
        "zh-Hant": "仍在使用嗎？",
        "pt": "Ainda está aí?",
        "en": "Are you still there?",
    },
    "idle.body": {
        "zh-Hant": "為保障個人資料，系統將於 {seconds} 秒後清除資料並返回首頁。",
        "pt": "Para proteger os seus dados, o ecrã será limpo dentro de {seconds} s.",
        "en": "To protect your data, this screen will be cleared in {seconds} s.",
    },
    "idle.continue": {"zh-Hant": "繼續使用", "pt": "Continuar", "en": "Continue"},
    "field.id_number": {
        "zh-Hant": "身份證明文件號碼",
        "pt": "Número do documento de identificação",
        "en": "ID document number",
    },
    "field.sms_code": {"zh-Hant": "短訊驗證碼", "pt": "Código SMS", "en": "SMS code"},
    "field.username": {"zh-Hant": "職員帳戶", "pt": "Utilizador", "en": "Username"},
    "field.password": {"zh-Hant": "密碼", "pt": "Palavra-passe", "en": "Password"},
    "field.email_code": {"zh-Hant": "驗證碼", "pt": "Código", "en": "Code"},
    "keypad.clear": {"zh-Hant": "清除", "pt": "Limpar", "en": "Clear"},
    "keypad.backspace": {"zh-Hant": "刪除", "pt": "Apagar", "en": "Delete"},
    "pending.title": {
        "zh-Hant": "用戶身份鑑別",
        "pt": "Identificação do titular",
        "en": "Holder identity check",
    },
    "pending.cloud": {
        "zh-Hant": "“雲簽”證書",
        "pt": "Certificados “assinatura na nuvem”",
        "en": "Cloud-sign certificates",
    },
    "pending.noncloud": {
        "zh-Hant": "非“雲簽”證書",
        "pt": "Outros certificados",
        "en": "Other (non-cloud-sign) certificates",
    },
    "emails.title": {"zh-Hant": "驗證電郵地址", "pt": "Verificar e-mail", "en": "Verify email"},
    "emails.verify": {"zh-Hant": "驗證", "pt": "Verificar", "en": "Verify"},
    "emails.verified": {"zh-Hant": "已驗證", "pt": "Verificado", "en": "Verified"},
    "emails.get_code": {"zh-Hant": "獲取驗證碼", "pt": "Obter código", "en": "Get code"},
    "emails.verify_address": {
        "zh-Hant": "驗證電郵地址",
        "pt": "Verificar endereço",
        "en": "Verify address",
    },
    "emails.seconds": {"zh-Hant": "{n}s", "pt": "{n}s", "en": "{n}s"},
    "sandbox.camera": {
        "zh-Hant": "示範鏡頭（無需網絡攝影機）",
        "pt": "Câmara de demonstração (sem webcam)",
        "en": "Demo camera (no webcam needed)",
    },
    "sandbox.camera.hint": {
        "zh-Hant": "播放所選人物的短片；持有人登入時自動選取其登記臉容。",
        "pt": "Mostra um vídeo da pessoa escolhida; ao entrar um titular, escolhe o rosto dele.",
        "en": "Plays a clip of the chosen person; a holder's own face is chosen at sign-in.",
    },
    "sandbox.face": {"zh-Hant": "臉容", "pt": "Rosto", "en": "Face"},
    "sandbox.title": {"zh-Hant": "測試環境", "pt": "Sandbox", "en": "Sandbox"},
    "sandbox.holders": {
        "zh-Hant": "示範用戶（身份證明文件號碼）",
        "pt": "Titulares de demonstração (n.º do documento)",
        "en": "Demo holders (ID number)",
    },
    "sandbox.staff": {
        "zh-Hant": "職員帳戶／密碼",
        "pt": "Funcionário / senha",
        "en": "Staff / password",
    },
    "sandbox.codes": {
        "zh-Hant": "顯示最新驗證碼",
        "pt": "Mostrar os últimos códigos",
        "en": "Show the latest codes",
    },
    "sandbox.outbox": {
        "zh-Hant": "開啟郵件／短訊收件匣",
        "pt": "Abrir caixa de mensagens",
        "en": "Open email/SMS outbox",
    },
    "card.type": {"zh-Hant": "證書類型", "pt": "Tipo de certificado", "en": "Certificate type"},
    "card.serial": {"zh-Hant": "原證書序號", "pt": "N.º de série", "en": "Serial number"},
    "card.expiry": {"zh-Hant": "原證書到期日", "pt": "Data de expiração", "en": "Expiry date"},
    "card.status": {"zh-Hant": "原證書狀態", "pt": "Estado", "en": "Status"},
    "card.holder": {"zh-Hant": "證書持有人", "pt": "Titular", "en": "Holder"},
    "card.email": {"zh-Hant": "電郵地址", "pt": "E-mail", "en": "Email"},
    "card.org": {"zh-Hant": "機構名稱", "pt": "Instituição", "en": "Institution"},
    "card.department": {"zh-Hant": "部門/分部", "pt": "Departamento", "en": "Department"},
    "card.position": {"zh-Hant": "職務/職級/職位", "pt": "Cargo", "en": "Position"},
    "card.limit": {"zh-Hant": "交易限額", "pt": "Limite de transacção", "en": "Transaction limit"},
    "card.agent": {
        "zh-Hant": "代理資格",
        "pt": "Qualificação de agente",
        "en": "Agent qualification",
    },
    "type.cloud": {
        "zh-Hant": "商業機構“雲簽”帳戶",
        "pt": "Conta de assinatura na nuvem de instituição comercial",
        "en": "Business cloud-sign account",
    },
    "type.qualified": {
        "zh-Hant": "商業機構合格證書",
        "pt": "Certificado qualificado de instituição comercial",
        "en": "Business qualified certificate",
    },
    "type.standard": {
        "zh-Hant": "標準證書",
        "pt": "Certificado padrão",
        "en": "Standard certificate",
    },
    "type.encryption": {
        "zh-Hant": "加密證書(商業機構)",
        "pt": "Certificado de cifra (instituição comercial)",
        "en": "Encryption certificate (business)",
    },
    "status.valid": {"zh-Hant": "有效", "pt": "Válido", "en": "Valid"},
    "status.expired": {"zh-Hant": "已過期", "pt": "Expirado", "en": "Expired"},
    "status.revoked": {"zh-Hant": "已撤銷", "pt": "Revogado", "en": "Revoked"},
    "step.sign_in": {"zh-Hant": "證書用戶登入", "pt": "Entrada do titular", "en": "Holder sign-in"},
    "step.sign_in_code": {
        "zh-Hant": "一次性密碼（短訊）",
        "pt": "Código de uso único (SMS)",
        "en": "One-time code (SMS)",
    },
    "step.staff_login": {
        "zh-Hant": "職員登入",
        "pt": "Entrada de funcionário",
        "en": "Staff sign-in",
    },
    "step.staff_lookup": {
        "zh-Hant": "查找證書用戶",
        "pt": "Pesquisar titular",
        "en": "Look up a holder",
    },
    "step.photo": {"zh-Hant": "拍攝個人近照", "pt": "Fotografia", "en": "Live photo"},
    "step.confirm": {
        "zh-Hant": "資料確認",
        "pt": "Confirmação de dados",
        "en": "Confirm your data",
    },
    "step.declaration": {
        "zh-Hant": "資料確認",
        "pt": "Confirmação de dados",
        "en": "Confirm your data",
    },
    "step.review": {"zh-Hant": "確認提交", "pt": "Confirmar e submeter", "en": "Review and submit"},
    "step.eid": {
        "zh-Hant": "身份識別",
        "pt": "Identificação electrónica",
        "en": "Electronic identification",
    },
    "step.face_result": {
        "zh-Hant": "近照檢測",
        "pt": "Verificação da fotografia",
        "en": "Photo check",
    },
    "step.signed": {"zh-Hant": "簽署申請文件", "pt": "Assinatura", "en": "Signing"},
    "step.submitted": {"zh-Hant": "已提交", "pt": "Submetido", "en": "Submitted"},
    "step.activation_form": {"zh-Hant": "激活證書", "pt": "Activação", "en": "Activation"},
    "step.activation_progress": {"zh-Hant": "激活證書", "pt": "Activação", "en": "Activation"},
    "step.id_check": {"zh-Hant": "身份鑑別", "pt": "Identificação", "en": "Identity check"},
    "step.precheck": {"zh-Hant": "激活證書", "pt": "Activação", "en": "Activation"},
    "step.esign": {"zh-Hant": "簽署申請文件", "pt": "Assinatura", "en": "Signing"},
    "step.done": {
        "zh-Hant": "證書續期完成",
        "pt": "Renovação concluída",
        "en": "Renewal complete",
    },
    "step.offline_done": {
        "zh-Hant": "非“雲簽”證書",
        "pt": "Outros certificados",
        "en": "Non-cloud certificates",
    },
    "step.revoke_first": {
        "zh-Hant": "需先撤銷原有證書",
        "pt": "Revogar primeiro",
        "en": "Revoke first",
    },
    # The refusal itself (身份證明文件個人資料已失效) is the page's first message.
    "step.reverify": {"zh-Hant": "激活證書", "pt": "Activação", "en": "Activation"},
    "step.staff": {
        "zh-Hant": "請聯繫櫃檯職員",
        "pt": "Dirija-se ao balcão",
        "en": "Please see counter staff",
    },
    "step.nothing_pending": {"zh-Hant": "證書續期", "pt": "Renovação", "en": "Renewal"},
    "step.id_unsupported": {"zh-Hant": "身份鑑別", "pt": "Identificação", "en": "Identity check"},
    "step.id_invalid": {"zh-Hant": "身份鑑別", "pt": "Identificação", "en": "Identity check"},
    "step.eid_unavailable": {
        "zh-Hant": "身份識別",
        "pt": "Identificação electrónica",
        "en": "Electronic identification",
    },
    "consent.title": {
        "zh-Hant": "個人資料收集協定及聲明",
        "pt": "Declaração de recolha de dados pessoais",
        "en": "Personal data collection statement",
    },
    "consent.agree": {"zh-Hant": "同意", "pt": "Concordo", "en": "I agree"},
    "photo.no_camera_view": {
        "zh-Hant": "相機未能啟動，請聯繫櫃檯職員協助。",
        "pt": "A câmara não arrancou. Peça ajuda ao balcão.",
        "en": "The camera could not start. Please ask counter staff.",
    },
    "eid.face_taken": {"zh-Hant": "已拍攝面容", "pt": "Rosto captado", "en": "Face captured"},
    "eid.verify": {"zh-Hant": "核實身份", "pt": "Verificar identidade", "en": "Verify identity"},
    "revoke.open": {
        "zh-Hant": "前往撤銷頁面",
        "pt": "Ir para a página de revogação",
        "en": "Go to the revocation page",
    },
    "revoke.where": {
        "zh-Hant": "請於 eSignTrust 網站之撤銷頁面撤銷原證書，或聯繫櫃檯職員協助撤銷；"
        "完成後點選「激活證書」。",
        "pt": "Revogue o certificado original na página de revogação do sítio da eSignTrust, "
        "ou peça ajuda a um funcionário do balcão; depois toque em «Activar certificado».",
        "en": "Revoke the original certificate on the revocation page of the eSignTrust "
        "website, or ask counter staff to help; then tap “Activate certificate”.",
    },
    "activation.activate": {
        "zh-Hant": "激活證書",
        "pt": "Activar certificado",
        "en": "Activate certificate",
    },
    "activation.retry": {"zh-Hant": "重試", "pt": "Tentar de novo", "en": "Try again"},
    "nav.continue": {"zh-Hant": "繼續", "pt": "Continuar", "en": "Continue"},
    "reverify.again": {
        "zh-Hant": "重新進行身份鑑別",
        "pt": "Repetir a identificação",
        "en": "Verify identity again",
    },
    "face.passed": {
        "zh-Hant": "照片檢測通過。",
        "pt": "Fotografia aprovada.",
        "en": "Photo check passed.",
    },
    "rules.password.title": {
        "zh-Hant": "“雲簽”簽名密碼規則",
        "pt": "Regras da palavra-passe de assinatura na nuvem",
        "en": "Cloud-sign signing password rules",
    },
    "rules.phrase.title": {
        "zh-Hant": "撤銷短語規則",
        "pt": "Regras da frase de revogação",
        "en": "Revocation phrase rules",
    },
    "nav.identify": {"zh-Hant": "身份識別", "pt": "Identificação", "en": "Identify"},
    "nav.submit": {"zh-Hant": "確認提交", "pt": "Confirmar e submeter", "en": "Confirm and submit"},
    "declaration.title": {
        "zh-Hant": "申請人 / 登記人協定及聲明",
        "pt": "Acordo e declaração do requerente / titular",
        "en": "Applicant / subscriber agreement and declaration",
    },
    "declaration.lead": {"zh-Hant": "本人現聲明：", "pt": "Declaro que:", "en": "I declare that:"},
    "declaration.close": {"zh-Hant": "關閉", "pt": "Fechar", "en": "Close"},
    "declaration.agree": {"zh-Hant": "同意", "pt": "Concordo", "en": "I agree"},
    "declaration.checkbox": {
        "zh-Hant": "同意並接受申請人／登記人協定及聲明",
        "pt": "Concordo e aceito o acordo e declaração do requerente / titular",
        "en": "I agree to and accept the applicant / subscriber agreement and declaration",
    },
    "activation.select_all": {"zh-Hant": "選取所有", "pt": "Seleccionar todos", "en": "Select all"},
    "activation.next": {"zh-Hant": "下一步 ({n})", "pt": "Seguinte ({n})", "en": "Next ({n})"},
    "field.cloud_username": {
        "zh-Hant": "“雲簽”用戶名稱 (登入名稱)",
        "pt": "Utilizador da assinatura na nuvem (nome de entrada)",
        "en": "Cloud-sign user name (login)",
    },
    "field.activation_form.password": {
        "zh-Hant": "“雲簽”簽名密碼 (存取碼) *",
        "pt": "Palavra-passe de assinatura na nuvem (código de acesso) *",
        "en": "Cloud-sign signing password (access code) *",
    },
    "field.activation_form.password_confirm": {
        "zh-Hant": "確認“雲簽”簽名密碼 (存取碼) *",
        "pt": "Confirmar palavra-passe de assinatura na nuvem (código de acesso) *",
        "en": "Confirm cloud-sign signing password (access code) *",
    },
    "field.activation_form.revocation_phrase": {
        "zh-Hant": "證書撤銷短語 *",
        "pt": "Frase de revogação do certificado *",
        "en": "Certificate revocation phrase *",
    },
    "done.old_serial": {"zh-Hant": "原證書序號", "pt": "N.º de série antigo", "en": "Old serial"},
    "done.old_expiry": {"zh-Hant": "原證書到期日", "pt": "Expiração antiga", "en": "Old expiry"},
    "done.new_serial": {"zh-Hant": "新證書序號", "pt": "N.º de série novo", "en": "New serial"},
    "done.new_expiry": {"zh-Hant": "新證書到期日", "pt": "Nova expiração", "en": "New expiry"},
    # Beside a greyed-out primary button: what is still missing.
    "hint.declaration": {
        "zh-Hant": "請先勾選下方的聲明",
        "pt": "Marque primeiro a caixa em baixo",
        "en": "First tick the box below",
    },
    "hint.missing": {
        "zh-Hant": "尚欠：{items}",
        "pt": "Falta: {items}",
        "en": "Still to do: {items}",
    },
    "hint.sep": {"zh-Hant": "、", "pt": ", ", "en": ", "},
    "hint.request_code": {"zh-Hant": "獲取驗證碼", "pt": "obter código", "en": "get the code"},
    "hint.photo": {"zh-Hant": "拍照", "pt": "fotografia", "en": "photo"},
    "hint.sms_code": {"zh-Hant": "短訊驗證碼", "pt": "código SMS", "en": "SMS code"},
    "camera.review": {
        "zh-Hant": "請檢查照片，可點選「重新拍照」",
        "pt": "Verifique a fotografia; pode premir «Tirar outra»",
        "en": "Check the photo; you can press “Retake”",
    },
    "photo.review": {
        "zh-Hant": "請檢查照片：可點選「重新拍照」，或點選「下一步」提交。",
        "pt": "Verifique a fotografia: prima «Tirar outra» ou «Seguinte» para a enviar.",
        "en": "Check the photo: press “Retake”, or “Next” to send it.",
    },
}


def tr(key: str, lang: str = DEFAULT_LANG, **params: object) -> str:
    """The label `key` in `lang` (zh-Hant when missing), with `{name}` params filled in."""
    entry = _T.get(key)
    if entry is None:
        # A missing key must be visible in screenshots and reviews, not silently blank.
        return f"⟨{key}⟩"
    text = entry.get(lang) or entry[DEFAULT_LANG]
    return text.format(**params) if params else text


def has(key: str) -> bool:
    return key in _T
