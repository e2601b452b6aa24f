; Inno Setup 6 script: the Windows installer for Nianbao, made from the PyInstaller bundle dist\nianbao\.
;
;   iscc /DAppVersion=0.1.0 packaging\windows\nianbao.iss      ->  dist\nianbao-0.1.0-setup.exe
;
; (.github/workflows/windows.yml runs this; AppVersion comes from pyproject.toml.)
;
; - Installs for the current user without administrator rights (county PCs are often locked down), into
;   %LOCALAPPDATA%\Programs\Nianbao; an administrator may choose "for all users" (Program Files) instead.
; - Start menu entry 年报 (nianbaow.exe, no console window); optional desktop icon; optional: the `nianbao`
;   command on PATH (nianbao.exe, the console program).
; - Draft files: Windows only knows a file's last extension, so *.nianbao.json cannot have an association
;   of its own without taking over every .json file. The installer adds 年报 to the "Open with" list of
;   .json files (OpenWithProgids) and changes no default.
; - Drafts live in %LOCALAPPDATA%\nianbao (the store, settings, locks): installing, upgrading (same AppId,
;   installed over the old version) and uninstalling never touch that folder.
; - This file is UTF-8 with a byte-order mark (Inno Setup reads it as ANSI without one): keep the BOM.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#define AppName "年报"
#define AppLongName "年报 — 政府信息公开工作年度报告"
#define Bundle "..\..\dist\nianbao"
#define ZhIsl AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl"
#define ZhIslUnofficial AddBackslash(CompilerPath) + "Languages\Unofficial\ChineseSimplified.isl"
#define ZhIslLocal AddBackslash(SourcePath) + "ChineseSimplified.isl"

[Setup]
; Never change AppId: it is what makes a new version an upgrade of the installed one.
AppId={{7C3E8A52-4B1D-4E7F-9A61-2F0D5B8C9E14}
AppName={#AppName}
AppVerName={#AppName} {#AppVersion}
AppVersion={#AppVersion}
AppPublisher=Nianbao
VersionInfoVersion={#AppVersion}
VersionInfoDescription={#AppLongName} 安装程序
DefaultDirName={autopf}\Nianbao
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6 and Python 3.11 need Windows 10 or later
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=nianbao-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\nianbao.ico
UninstallDisplayIcon={app}\nianbaow.exe
UninstallDisplayName={#AppLongName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesEnvironment=yes
ChangesAssociations=yes
; an upgrade closes a running Nianbao first (its files are in use)
CloseApplications=yes
RestartApplications=no

[Languages]
#if FileExists(ZhIsl)
Name: "zh"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(ZhIslUnofficial)
Name: "zh"; MessagesFile: "compiler:Languages\Unofficial\ChineseSimplified.isl"
#elif FileExists(ZhIslLocal)
Name: "zh"; MessagesFile: "{#ZhIslLocal}"
#else
  #error ChineseSimplified.isl not found: put it beside this script (see packaging/README.md)
#endif

[Tasks]
Name: "desktopicon"; Description: "在桌面上创建图标"; GroupDescription: "附加图标："
Name: "addtopath"; Description: "把 nianbao 命令加入 PATH（命令行使用）"; GroupDescription: "命令行："; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; an upgrade replaces the bundle's library folder whole: no module of the old version stays behind
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\nianbaow.exe"; Comment: "{#AppLongName}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\nianbaow.exe"; Comment: "{#AppLongName}"; Tasks: desktopicon

[Registry]
; "Open with 年报" for .json files, without changing what opens them by default
Root: HKA; Subkey: "Software\Classes\Nianbao.Draft"; ValueType: string; ValueName: ""; ValueData: "年报草稿文件"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Nianbao.Draft\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\nianbaow.exe,0"
Root: HKA; Subkey: "Software\Classes\Nianbao.Draft\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\nianbaow.exe"" ""%1"""
Root: HKA; Subkey: "Software\Classes\.json\OpenWithProgids"; ValueType: string; ValueName: "Nianbao.Draft"; ValueData: ""; Flags: uninsdeletevalue
; the `nianbao` command (current user's PATH; HKCU even when installed for all users keeps it per user)
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\nianbaow.exe"; Description: "启动 {#AppName}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; only what the program may have written inside its own folder; %LOCALAPPDATA%\nianbao (the drafts) stays
Type: filesandordirs; Name: "{app}\_internal\__pycache__"

[Code]
function NeedsAddPath(Dir: string): Boolean;
var
  Path: string;
begin
  if not RegQueryStringValue(HKCU, 'Environment', 'Path', Path) then
    Path := '';
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Path) + ';') = 0;
end;

// Uninstalling takes the install folder off the user's PATH again (if the task had put it there).
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Path, Dir: string;
  P: Integer;
begin
  if CurUninstallStep <> usPostUninstall then
    exit;
  if not RegQueryStringValue(HKCU, 'Environment', 'Path', Path) then
    exit;
  Dir := ';' + ExpandConstant('{app}');
  P := Pos(Uppercase(Dir), Uppercase(Path));
  if P > 0 then
  begin
    Delete(Path, P, Length(Dir));
    RegWriteExpandStringValue(HKCU, 'Environment', 'Path', Path);
  end;
end;
