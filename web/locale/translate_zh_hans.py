# ruff: noqa: E501, RUF001 - one translation per line, with Chinese punctuation
"""Fills web/locale/zh_Hans/LC_MESSAGES/django.po from the table below (run after makemessages):

    cd web && ../.venv/bin/python ../manage.py makemessages -l zh_Hans --no-location
    ../.venv/bin/python locale/translate_zh_hans.py
    ../.venv/bin/python ../manage.py compilemessages -l zh_Hans   # needs GNU gettext's msgfmt

A string missing from the table stays untranslated (shown in English).
"""

from __future__ import annotations

import re
from pathlib import Path

ZH = {
    "There is no licence with this id. Check the licence you chose.": "没有此编号的许可。请检查您选择的许可。",
    "The owner's signature on the licence does not verify, so the licence cannot be trusted.": "许可上的肖像所有人签名无法验证，因此该许可不可信。",
    "The platform's countersignature on the licence does not verify, so the licence cannot be trusted.": "许可上的平台副署签名无法验证，因此该许可不可信。",
    "The signed document does not belong to this licence.": "已签署的文件不属于此许可。",
    "The owner has not approved this licence (yet).": "肖像所有人（尚未）批准此许可。",
    "The owner revoked this licence; no further renders are allowed.": "肖像所有人已撤销此许可，不再允许任何渲染。",
    "The licence's term has ended.": "许可期限已结束。",
    "The licence's term has not started yet.": "许可期限尚未开始。",
    "Every render this licence allows has been used.": "此许可允许的渲染次数已全部用完。",
    "This licence was granted to another studio.": "此许可授予的是另一家制片方。",
    "The owner erased this likeness; it can never be rendered again.": "肖像所有人已删除此肖像，永远不能再被渲染。",
    "The likeness is frozen while the platform reviews its enrolment.": "平台审核其登记期间，此肖像已被冻结。",
    "The file you uploaded is not registered to any work. Register it with its work first.": "您上传的文件未登记在任何作品下。请先将其登记到所属作品。",
    "The file belongs to a work that this licence does not name.": "该文件所属的作品不在此许可的范围内。",
    "Your studio does not hold the right to adapt this work (for this territory and date).": "贵制片方（在该地区和日期）不享有改编此作品的权利。",
    "The licence does not permit this purpose.": "此许可不允许该用途。",
    "The licence expressly prohibits this use.": "此许可明确禁止该使用方式。",
    "The licence does not permit this kind of media (still or video).": "此许可不允许这种媒体类型（静态图像或视频）。",
    "The licence does not permit release in this territory.": "此许可不允许在该地区发行。",
    "The output would be longer than the licence allows.": "输出时长将超过许可允许的上限。",
    "Name of this likeness": "此肖像的名称",
    "Photos of your face": "您的面部照片",
    "One to five clear photos, one face in each (JPEG or PNG).": "一到五张清晰照片，每张只有一张脸（JPEG 或 PNG）。",
    "Studios may request licences": "允许制片方申请许可",
    "I understand that erasure is permanent and ends every licence of this likeness.": "我明白删除是永久性的，并将终止此肖像的所有许可。",
    "Reason (optional)": "理由（可选）",
    "Reason": "理由",
    "Yes, revoke this licence. Renders not yet started will be refused.": "是的，撤销此许可。尚未开始的渲染将被拒绝。",
    "Media file": "媒体文件",
    "Its fingerprint (SHA-256) is computed on upload.": "上传时计算其指纹（SHA-256）。",
    "Media type": "媒体类型",
    "Rights holder": "权利人",
    "Title": "标题",
    "Kind of work": "作品类型",
    "Rights you hold": "您持有的权利",
    "Territories": "地区",
    "Studio id": "制片方编号",
    "From": "起始",
    "Until": "截止",
    "Studio": "制片方",
    "Likeness id": "肖像编号",
    "The owner shares it with you.": "由肖像所有人提供给您。",
    "Works": "作品",
    "Purposes": "用途",
    "Media types": "媒体类型",
    "Country codes, e.g. FR, DE": "国家代码，例如 FR, DE",
    "Maximum number of renders": "最多渲染次数",
    "Maximum output length (seconds)": "输出最长时长（秒）",
    "Visible label": "可见标签",
    "Credit": "署名",
    "Licence": "许可",
    "Target file": "目标文件",
    "A still or video registered to a licensed work.": "已登记在获许可作品下的图片或视频。",
    "Purpose": "用途",
    "Release territory": "发行地区",
    "A country code, e.g. FR": "国家代码，例如 FR",
    "Faces to replace": "要替换的面孔",
    "Image or video to check": "要检查的图片或视频",
    "Likeness licensing": "肖像授权平台",
    "Skip to content": "跳到正文",
    "Main": "主导航",
    "Dashboard": "概览",
    "My licences": "我的许可",
    "Licences": "许可",
    "Renders": "渲染",
    "Verify a file": "验证文件",
    "Language": "语言",
    "Change language": "切换语言",
    "Sign out": "退出",
    "Sign in": "登录",
    "Every output made here is labelled, watermarked and carries signed provenance.": "此处生成的每个输出都带有标签、水印和签名的来源信息。",
    "Welcome, %(name)s": "欢迎，%(name)s",
    "Your likenesses": "您的肖像",
    "not licensable": "不可授权",
    "No likeness yet.": "尚无肖像。",
    "New likeness": "新建肖像",
    "Create": "创建",
    "Your organisations": "您的机构",
    "Id": "编号",
    "Works and rights": "作品与权利",
    "Request a licence": "申请许可",
    "Submit a render": "提交渲染",
    "Recent renders": "最近的渲染",
    "Your account has no likeness and no organisation yet. An administrator can set them up.": "您的账户还没有肖像或机构。管理员可以为您设置。",
    "Render job": "渲染任务",
    "Job id": "任务编号",
    "Submitted": "提交时间",
    "Status": "状态",
    "Progress": "进度",
    "Download the output": "下载输出",
    "The output, with its visible label": "带可见标签的输出",
    "The licence gate refused this render": "许可检查拒绝了此渲染",
    "Reason code": "原因代码",
    "Territory": "地区",
    "Job": "任务",
    "Open": "打开",
    "Licence for %(studio)s": "授予 %(studio)s 的许可",
    "Likeness": "肖像",
    "Licence id": "许可编号",
    "%(used)s of %(max)s renders used": "已使用 %(used)s / %(max)s 次渲染",
    "What this licence allows, in plain words": "此许可允许的内容（通俗说明）",
    "Declined because": "拒绝理由",
    "Revoked because": "撤销理由",
    "Your decision": "您的决定",
    "Approving signs the licence with your key; the platform then countersigns it.": "批准即用您的密钥签署许可，随后平台进行副署。",
    "Approve and sign": "批准并签署",
    "Decline": "拒绝",
    "Revoke": "撤销",
    "Revoke this licence…": "撤销此许可…",
    "Confirm revocation": "确认撤销",
    "Renders made under this licence": "依此许可进行的渲染",
    "Time": "时间",
    "Work": "作品",
    "No renders yet.": "尚无渲染。",
    "The owner sees these terms in plain words and decides. Anything you do not list is not permitted.": "肖像所有人会看到这些条款的通俗说明并作出决定。未列出的一律不允许。",
    "Send request": "发送申请",
    "%(studio)s — %(likeness)s": "%(studio)s — %(likeness)s",
    "None.": "无。",
    "Requests awaiting your decision": "等待您决定的申请",
    "Active licences": "有效许可",
    "Declined, revoked and ended": "已拒绝、已撤销和已结束",
    "Licences held by your studios": "您的制片方持有的许可",
    "No licences yet.": "尚无许可。",
    "Likeness id (share it with studios that want to request a licence)": "肖像编号（提供给想申请许可的制片方）",
    "Enrol your face": "登记您的面孔",
    "Each photo is checked: it must show exactly one face, large enough, and all photos must show the same person. Photos and face data are stored encrypted.": "每张照片都会被检查：必须只有一张足够大的脸，且所有照片必须是同一个人。照片和面部数据加密存储。",
    "Upload and enrol": "上传并登记",
    "Result for each photo": "每张照片的结果",
    "refused": "被拒绝",
    "passed its checks": "通过检查",
    "not stored (the enrolment as a whole was refused)": "未保存（整个登记被拒绝）",
    "Enrolled photos": "已登记的照片",
    "Photo %(n)s: accepted (%(w)s×%(h)s, one face found, stored encrypted)": "照片 %(n)s：已接受（%(w)s×%(h)s，检测到一张脸，已加密存储）",
    "This face matches another enrolled likeness, so it is frozen until the platform reviews it.": "此面孔与另一个已登记的肖像相符，因此在平台审核前被冻结。",
    "Licensing": "授权",
    "Save": "保存",
    "When not licensable, studios cannot request new licences. Existing licences stay until you revoke them.": "设为不可授权后，制片方无法申请新许可。现有许可在您撤销前继续有效。",
    "See requests and licences": "查看申请和许可",
    "Erase this likeness": "删除此肖像",
    "Erase…": "删除…",
    "This likeness is erased: its photos, face data and encryption key are gone.": "此肖像已删除：其照片、面部数据和加密密钥均已销毁。",
    "Erase likeness": "删除肖像",
    "Erase “%(name)s”": "删除“%(name)s”",
    "What is deleted": "将被删除的内容",
    "Your reference photos and face data (embeddings).": "您的参考照片和面部数据（特征向量）。",
    "The encryption key that protected them, so no copy anywhere can be read again.": "保护它们的加密密钥，因此任何副本都无法再被读取。",
    "Every active licence of this likeness ends, and queued renders are refused.": "此肖像的所有有效许可终止，排队中的渲染将被拒绝。",
    "What is kept": "将被保留的内容",
    "The audit trail: who did what and when, with no photos or face data in it.": "审计记录：谁在何时做了什么，其中不含照片或面部数据。",
    "Signed licence documents and their revocations, and the record of renders already made, so released outputs can still be verified.": "已签署的许可文件及其撤销记录，以及已完成渲染的记录，以便已发布的输出仍可验证。",
    "Your display name, shown on verification results of outputs already released.": "您的显示名称，会出现在已发布输出的验证结果中。",
    "This cannot be undone.": "此操作无法撤销。",
    "Erase my likeness permanently": "永久删除我的肖像",
    "Cancel": "取消",
    "Your username and password did not match. Please try again.": "用户名和密码不匹配，请重试。",
    "Username": "用户名",
    "Password": "密码",
    "Verify a file without signing in": "无需登录即可验证文件",
    "Submit a render job": "提交渲染任务",
    "Submit": "提交",
    "Your studio's jobs": "贵制片方的任务",
    "No jobs yet.": "尚无任务。",
    "Was this image or video rendered here, under which licence, and does that licence still stand? The file is examined and not kept.": "这张图片或这段视频是否在此渲染？依据哪个许可？该许可是否仍然有效？文件仅用于检查，不会保存。",
    "Verify": "验证",
    "Report": "报告",
    "C2PA provenance": "C2PA 来源信息",
    "present and valid (signed by this platform)": "存在且有效（由本平台签名）",
    "present but tampered": "存在但已被篡改",
    "none": "无",
    "Invisible mark": "隐形水印",
    "found (mark %(mark)s)": "已找到（水印 %(mark)s）",
    "not found": "未找到",
    "Likeness owner": "肖像所有人",
    "not traceable to a render made here": "无法追溯到本平台的渲染",
    "Warning": "警告",
    "The manifest and the mark name different jobs.": "来源清单和水印指向不同的任务。",
    "Technical summary": "技术摘要",
    "Holder": "权利人",
    "Work id": "作品编号",
    "Files": "文件",
    "Name": "名称",
    "Type": "类型",
    "Add a file": "添加文件",
    "Add file": "添加文件",
    "Rights declared by the holder": "权利人声明的权利",
    "open-ended": "无固定期限",
    "Adaptation grants to studios": "授予制片方的改编权",
    "withdrawn": "已撤回",
    "Withdraw": "撤回",
    "in force": "有效",
    "No grants.": "无授权。",
    "Grant a studio the right to adapt this work": "授予制片方改编此作品的权利",
    "Grant": "授予",
    "Works you hold or may adapt": "您持有或可改编的作品",
    "No works yet.": "尚无作品。",
    "Register a work": "登记作品",
    "Upload one of its files; more can be added on the work's page. Only the fingerprint is kept.": "上传其中一个文件；更多文件可在作品页面添加。只保存文件指纹。",
    "Register": "登记",
    "Give the likeness a name.": "请为肖像命名。",
    "Likeness created. Now upload photos to enrol it.": "肖像已创建。现在请上传照片进行登记。",
    "Enrolment was refused; nothing was stored. See each photo's result below.": "登记被拒绝，未保存任何内容。请查看下方每张照片的结果。",
    "Your likeness is enrolled. Each accepted photo is listed below.": "您的肖像已登记。下方列出了每张被接受的照片。",
    "Studios may now request licences.": "制片方现在可以申请许可。",
    "Your likeness is now not licensable.": "您的肖像现在不可授权。",
    "Your likeness was erased. Its photos, face data and key are gone.": "您的肖像已删除。其照片、面部数据和密钥均已销毁。",
    "You signed the licence. It is active now.": "您已签署许可，许可现已生效。",
    "You declined the request.": "您已拒绝该申请。",
    "To revoke, give a reason and tick the confirmation.": "撤销前请填写理由并勾选确认。",
    "The licence is revoked. Every output made under it now verifies as revoked.": "许可已撤销。依此许可生成的所有输出在验证时都将显示为已撤销。",
    "Request sent. The owner will read the terms and approve or decline.": "申请已发送。肖像所有人将阅读条款并决定批准或拒绝。",
    "Render job submitted.": "渲染任务已提交。",
    "Download started.": "下载已开始。",
    "Work registered.": "作品已登记。",
    "File registered.": "文件已登记。",
    "Adaptation right granted.": "已授予改编权。",
    "Adaptation right withdrawn.": "已撤回改编权。",
    "Look straight at the camera": "请直视摄像头",
    "Turn your head to your left": "请把头转向您的左侧",
    "Turn your head to your right": "请把头转向您的右侧",
    "Tilt your head up": "请抬头",
    "Back to the centre": "回到正中",
    "Hold still, looking at the camera": "请保持不动，直视摄像头",
    "The recording could not be read. Try again, or use another browser.": "无法读取录像。请重试，或换一个浏览器。",
    "The recording is too large.": "录像文件过大。",
    "The recording is longer than the challenge allows.": "录像时长超过了挑战允许的上限。",
    "The recording was made before the challenge was issued.": "录像是在挑战发出之前录制的。",
    "No face was seen for much of the recording. Face the camera in good light.": "录像中大部分时间没有看到人脸。请在光线充足处面对摄像头。",
    "More than one face was seen. Record yourself alone.": "看到了不止一张脸。请单独录制您自己。",
    "No head movement was seen. A still picture cannot pass; follow the moves shown.": "没有看到头部动作。静态图片无法通过；请按提示做动作。",
    "The head turns did not follow the challenge in order.": "转头动作没有按照挑战的顺序进行。",
    "Hold still, looking at the camera, at the end.": "最后请保持不动，直视摄像头。",
    "The face changed during the recording.": "录像过程中人脸发生了变化。",
    "The face in the recording is not the face in your enrolment photos.": "录像中的人脸与您登记照片中的人脸不一致。",
    "This recording was submitted before. Record a new one.": "此录像以前已提交过。请重新录制。",
    "The challenge expired. Start again and record at once.": "挑战已过期。请重新开始并立即录制。",
    "This challenge was already used. Start again.": "此挑战已被使用。请重新开始。",
    "No such challenge. Start again.": "没有这个挑战。请重新开始。",
    "Enrol photos of your face first.": "请先登记您的面部照片。",
    "Send the recording and its challenge.": "请发送录像及其对应的挑战。",
    "Passed: it is you. Your likeness can now be licensed, if you allow it.": "已通过：确认是您本人。如您允许，您的肖像现在可以被授权。",
    "Live capture": "现场录像",
    "Prove it is you": "证明是您本人",
    "Before studios may license your likeness, record a short video of yourself following the moves shown. It is compared with your enrolment photos and stored encrypted, like them.": "在制片方可以获得您肖像的授权之前，请按提示的动作录制一段您自己的短视频。它将与您的登记照片比对，并像照片一样加密存储。",
    "You have passed the live capture for this likeness.": "您已通过此肖像的现场录像验证。",
    "Checking your recording…": "正在检查您的录像…",
    "No camera could be opened. Allow the camera for this site and try again.": "无法打开摄像头。请允许本网站使用摄像头后重试。",
    "Start the live capture": "开始现场录像",
    "Back to the likeness": "返回肖像",
    "Live capture: prove it is you": "现场录像：证明是您本人",
    "Someone has claimed, with a live capture, that this face is hers; its licences are suspended until the platform decides.": "有人通过现场录像声称这张脸是她本人的；在平台作出决定之前，相关许可暂停。",
    "under dispute": "争议中",
    "Someone has claimed, with a live capture, that this face is hers. Its licences are suspended until the platform decides.": "有人通过现场录像声称这张脸是她本人的。在平台作出决定之前，其许可暂停。",
    "Studios cannot request licences until you pass the live capture.": "在您通过现场录像验证之前，制片方无法申请许可。",
    "Attested by trusted organisations": "受信任机构的证明",
}
ZH_PLURAL = {
    "%(n)s licence request awaits your decision": "%(n)s 个许可申请等待您的决定",
    "%(n)s file": "%(n)s 个文件",
}

PO = Path(__file__).parent / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _po_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _unquote(line: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), line.strip()[1:-1])


def fill(text: str) -> str:
    blocks = text.split("\n\n")
    out = []
    for block in blocks:
        lines = block.split("\n")
        msgid, plural, field = "", None, None
        for line in lines:
            if line.startswith("msgid "):
                field, msgid = "id", _unquote(line[6:])
            elif line.startswith("msgid_plural "):
                field, plural = "plural", _unquote(line[13:])
            elif line.startswith("msgstr"):
                field = "str"
            elif line.startswith('"') and field == "id":
                msgid += _unquote(line)
            elif line.startswith('"') and field == "plural":
                plural = (plural or "") + _unquote(line)
        head = [ln for ln in lines if ln.startswith("#") and not ln.startswith("#, fuzzy")]
        entry = block
        if msgid and plural is not None and msgid in ZH_PLURAL:
            entry = "\n".join(
                [
                    *head,
                    f"msgid {_po_string(msgid)}",
                    f"msgid_plural {_po_string(plural)}",
                    f"msgstr[0] {_po_string(ZH_PLURAL[msgid])}",
                ]
            )
        elif msgid and plural is None and msgid in ZH:
            entry = "\n".join([*head, f"msgid {_po_string(msgid)}", f"msgstr {_po_string(ZH[msgid])}"])
        out.append(entry)
    return "\n\n".join(out)


if __name__ == "__main__":
    text = PO.read_text()
    text = text.replace("#, fuzzy\n", "", 1).replace('"Language: \\n"', '"Language: zh_Hans\\n"')
    PO.write_text(fill(text))
